import { z } from "zod";
import { secretValue } from "./hostSchema";

/**
 * Where restic keeps the snapshots: an absolute local path, or one of restic's remote forms
 * (https://restic.readthedocs.io/en/stable/030_preparing_a_new_repo.html): `sftp:user@host:/path`,
 * `s3:https://host/bucket[/path]` (any S3-compatible endpoint), `b2:bucket[:path]`.
 */
const REPOSITORY_FORMS = [
  /^\/[A-Za-z0-9._\/-]+$/,
  /^sftp:[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(\/)?[A-Za-z0-9._\/-]+$/,
  /^s3:https?:\/\/[A-Za-z0-9.-]+(:\d+)?\/[A-Za-z0-9._-]+(\/[A-Za-z0-9._\/-]*)?$/,
  /^b2:[A-Za-z0-9-]+(:[A-Za-z0-9._\/-]+)?$/,
];
export const isRepository = (v: string) => REPOSITORY_FORMS.some((form) => form.test(v)) && !v.split(/[/:]/).includes("..");

const keep = z.number().int().min(0).max(1000);
/** A path pattern restic's --exclude understands; no newlines or NULs, since it lands in a command line and a script. */
const excludePattern = z
  .string()
  .min(1)
  .regex(/^[^\n\r\0'"`$\\]+$/, "must be a restic exclude pattern without quotes, '$', '`' or backslashes");

/** `homelab:backup`: plain settings. Its secrets live in `homelab:backupCredentials`, so this key stays readable. */
export const backupConfig = z.strictObject({
  repository: z.string().refine(isRepository, "must be a restic repository: an absolute path, sftp:user@host:/path, s3:https://host/bucket or b2:bucket:path"),
  /** The daily time (in homelab:timezone) the backup container runs. */
  schedule: z
    .string()
    .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, "must be a daily time like 03:30")
    .default("03:30"),
  keep: z
    .strictObject({ daily: keep.default(7), weekly: keep.default(4), monthly: keep.default(6) })
    .refine((k) => k.daily + k.weekly + k.monthly > 0, "must keep at least one snapshot")
    .prefault({}),
  exclude: z.array(excludePattern).default([]),
  /** The shared media folder (homelab:paths.data) is large and usually replaceable: left out unless asked for. */
  includeMedia: z.boolean().default(false),
});

/**
 * `homelab:backupCredentials`, set with `pulumi config set --secret --path 'homelab:backupCredentials.password' …`:
 * the repository password, and the backend's keys for S3-compatible and B2 repositories.
 */
export const backupCredentials = z.strictObject({
  password: secretValue,
  awsAccessKeyId: secretValue.optional(),
  awsSecretAccessKey: secretValue.optional(),
  b2AccountId: secretValue.optional(),
  b2AccountKey: secretValue.optional(),
});
export type BackupCredentials = z.infer<typeof backupCredentials>;

/** Credential field → the environment variable restic reads it from (restic docs, 030_preparing_a_new_repo.rst). */
export const CREDENTIAL_ENV: Record<keyof BackupCredentials, string> = {
  password: "RESTIC_PASSWORD",
  awsAccessKeyId: "AWS_ACCESS_KEY_ID",
  awsSecretAccessKey: "AWS_SECRET_ACCESS_KEY",
  b2AccountId: "B2_ACCOUNT_ID",
  b2AccountKey: "B2_ACCOUNT_KEY",
};
