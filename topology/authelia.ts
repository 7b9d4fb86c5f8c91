import { AUTHELIA, AUTHELIA_PORT, POSTGRES_PORT, REDIS_PORT } from "../config/catalog";
import { yamlFile } from "../config/yaml";
import { secretRef } from "../config/secret";
import type { AutheliaConfig } from "../config/hostSchema";
import type { StackConfig } from "../config/schema";
import type { Naming } from "./naming";
import { compareNames } from "./order";
import type { AccessRule, AutheliaPlan, PlannedFile, PlannedSecret, PlanProblem, Route } from "./types";

/** Same name the generic database-password rule gives Authelia's PostgreSQL (see host.ts). */
const AUTHELIA_DB_PASSWORD = `${AUTHELIA}-db-password`;
/** Matches `/api` and everything under it, with or without a query. */
export const API_PATHS = "^/api([/?].*)?$";

/** Argon2id parameters for user passwords: Authelia's recommended defaults; the Pulumi layer hashes with the same. */
export const ARGON2ID = { iterations: 3, memory: 65536, parallelism: 4, keyLength: 32, saltLength: 16 } as const;

/**
 * Authelia reads every *.yml in this folder, in name order, merged into one configuration (authelia v4.39.13
 * internal/configuration/sources.go FileSource.loadDir; os.ReadDir sorts by name): `configuration.yml`, stable
 * and uploaded when the container is created, then `rules.yml`, the access_control rules, which follow the
 * routes and are written live (adding a service rewrites them and restarts Authelia, never recreates it).
 * Pointing X_AUTHELIA_CONFIG at the folder also turns off the first-start path that writes a template to
 * /config/configuration.yml and exits (internal/commands/context.go ConfigEnsureExistsRunE).
 */
export const AUTHELIA_CONFIG_DIR = "/config/configuration.d";
export const AUTHELIA_CONFIG_FILE = `${AUTHELIA_CONFIG_DIR}/configuration.yml`;
export const AUTHELIA_RULES_FILE = `${AUTHELIA_CONFIG_DIR}/rules.yml`;

/** Where the container finds its secrets: one file each, referenced by Authelia's `*_FILE` environment variables. */
const SECRETS_DIR = "/secrets";

export interface AutheliaSlice {
  authelia: AutheliaPlan;
  files: PlannedFile[];
  env: Record<string, string>;
  secrets: PlannedSecret[];
  problems: PlanProblem[];
}

/** True when the route goes through Authelia's forward-auth (everything except `bypass` and the portal itself). */
export function needsForwardAuth(route: Route): boolean {
  return route.auth !== "bypass" && route.service !== AUTHELIA;
}

/**
 * Authelia's access_control: default deny, then the owner's API bypasses, then one rule per routed service
 * from its auth level. Deliberately no `networks:` rules: a "trusted LAN" bypass can be spoofed through
 * X-Forwarded-For.
 */
function accessRules(routes: Route[], apiBypass: string[]): AccessRule[] {
  const routed = routes.filter((r) => r.service !== AUTHELIA);
  return [
    ...routed
      .filter((r) => apiBypass.includes(r.service) && r.auth !== "deny")
      .map((r): AccessRule => ({ domain: [r.host], policy: "bypass", resources: [API_PATHS] })),
    ...routed.map((r): AccessRule => ({ domain: [r.host], policy: r.auth })),
  ];
}

function smtpAddress(host: string, port: number): string {
  const scheme = port === 465 ? "submissions" : port === 587 ? "submission" : "smtp";
  return `${scheme}://${host}:${port}`;
}

export function planAuthelia(cfg: StackConfig, routes: Route[], names: Naming): AutheliaSlice {
  const a = cfg.authelia;
  const portal = routes.find((r) => r.service === AUTHELIA);
  const url = `https://${portal?.host ?? `${a.subdomain}.${cfg.domain}`}`;
  const rules = accessRules(routes, a.apiBypass);
  const secretFiles = autheliaSecretFiles(a);
  const users = autheliaUsers(cfg);
  const files: PlannedFile[] = [
    { path: AUTHELIA_CONFIG_FILE, content: yamlFile(autheliaConfiguration(cfg, url, names)), secret: false },
    // Its access_control follows the routes; Authelia reads it only at start-up.
    { path: AUTHELIA_RULES_FILE, content: yamlFile({ access_control: { rules } }), secret: false, reload: "restart" },
    // A user added or removed must not recreate Authelia (every protected service would lose its login):
    // delivered next to the container and, with `watch: false`, read at the restart that follows (the file backend reads the
    // database at start and re-reads it only when watch is on: authelia v4.39.13 docs configuration/first-factor/file.md, watch).
    { path: "/config/users_database.yml", content: yamlFile({ users: users.database }), secret: true, reload: "restart" },
    ...secretFiles.files,
  ];
  return {
    authelia: { url, rules, users: Object.keys(users.database), generatedPasswords: users.generatedPasswords },
    files,
    env: { X_AUTHELIA_CONFIG: AUTHELIA_CONFIG_DIR, ...secretFiles.env },
    secrets: [...secretFiles.secrets, ...users.secrets],
    problems: apiBypassProblems(a.apiBypass, routes),
  };
}

/** An API bypass names a routed service that is not denied outright. */
function apiBypassProblems(apiBypass: string[], routes: Route[]): PlanProblem[] {
  return apiBypass.flatMap((service, i): PlanProblem[] => {
    const route = routes.find((r) => r.service === service);
    if (!route) return [{ path: `homelab:authelia.apiBypass.${i}`, message: `'${service}' is not a routed service: nothing to bypass` }];
    if (route.auth === "deny")
      return [{ path: `homelab:authelia.apiBypass.${i}`, message: `'${service}' has auth: deny; an API bypass would open what is meant to be closed` }];
    return [];
  });
}

const generated = (name: string, purpose: string, length = 64): PlannedSecret => ({ name, source: "generated", length, purpose });

/** Authelia's own secrets, each in a file its `*_FILE` environment variable names. */
function autheliaSecretFiles(a: AutheliaConfig): { secrets: PlannedSecret[]; env: Record<string, string>; files: PlannedFile[] } {
  const secrets: [string, PlannedSecret][] = [
    ["AUTHELIA_IDENTITY_VALIDATION_RESET_PASSWORD_JWT_SECRET", generated("authelia-jwt-secret", "Authelia password-reset JWT signing key")],
    ["AUTHELIA_SESSION_SECRET", generated("authelia-session-secret", "Authelia session secret")],
    ["AUTHELIA_STORAGE_ENCRYPTION_KEY", generated("authelia-storage-encryption-key", "Authelia storage encryption key")],
  ];
  if (a.storage === "postgres") secrets.push(["AUTHELIA_STORAGE_POSTGRES_PASSWORD", generated(AUTHELIA_DB_PASSWORD, "Authelia PostgreSQL password", 32)]);
  if (a.smtp)
    secrets.push([
      "AUTHELIA_NOTIFIER_SMTP_PASSWORD",
      { name: "authelia-smtp-password", source: "config", path: "homelab:authelia.smtp.password", value: a.smtp.password, purpose: "SMTP password" },
    ]);
  if (a.duo)
    secrets.push([
      "AUTHELIA_DUO_API_SECRET_KEY",
      { name: "authelia-duo-secret-key", source: "config", path: "homelab:authelia.duo.secretKey", value: a.duo.secretKey, purpose: "Duo API secret key" },
    ]);
  const file = (secret: PlannedSecret) => `${SECRETS_DIR}/${secret.name}`;
  return {
    secrets: secrets.map(([, secret]) => secret),
    env: Object.fromEntries(secrets.map(([envVar, secret]) => [`${envVar}_FILE`, file(secret)])),
    files: secrets.map(([, secret]) => ({ path: file(secret), content: secretRef(secret.name), secret: true })),
  };
}

/** The users database: the configured users, or one admin with a generated password (a stack output) rather than SSO nobody can pass. */
function autheliaUsers(cfg: StackConfig): { database: Record<string, unknown>; generatedPasswords: Record<string, string>; secrets: PlannedSecret[] } {
  const a = cfg.authelia;
  const secrets: PlannedSecret[] = [];
  const generatedPasswords: Record<string, string> = {};
  const database: Record<string, unknown> = {};
  const configured =
    Object.keys(a.users).length > 0
      ? a.users
      : { admin: { displayname: "Administrator", email: `admin@${cfg.domain}`, groups: ["admins"], password: undefined } };
  for (const [name, user] of Object.entries(configured).sort(([x], [y]) => compareNames(x, y))) {
    const secretName = `authelia-user-${name}`;
    // A chosen password gets argon2id, hashed by the program. A generated one (24 random alphanumerics, far
    // beyond guessing whatever the hash) gets the bcrypt hash its generator computes once and keeps in
    // state, instead of a 64 MiB argon2id run on every preview. Authelia verifies both formats.
    let hash: string;
    if (user.password) {
      secrets.push({
        name: secretName,
        source: "config",
        path: `homelab:authelia.users.${name}.password`,
        value: user.password,
        purpose: `password of Authelia user ${name}`,
      });
      hash = secretRef(secretName, "argon2id");
    } else {
      secrets.push(generated(secretName, `initial password of Authelia user ${name}`, 24));
      generatedPasswords[name] = secretName;
      hash = secretRef(secretName, "bcrypt");
    }
    database[name] = { disabled: false, displayname: user.displayname, email: user.email, groups: user.groups, password: hash };
  }
  return { database, generatedPasswords, secrets };
}

/** configuration.yml: everything but the access rules (rules.yml) and the users (users_database.yml). */
function autheliaConfiguration(cfg: StackConfig, url: string, names: Naming): Record<string, unknown> {
  const a = cfg.authelia;
  return {
    theme: "auto",
    server: { address: `tcp://:${AUTHELIA_PORT}/` },
    log: { level: "info" },
    totp: { issuer: cfg.domain },
    identity_validation: { reset_password: { jwt_lifespan: "5 minutes", jwt_algorithm: "HS256" } },
    authentication_backend: {
      password_reset: { disable: !a.smtp },
      file: {
        path: "/config/users_database.yml",
        watch: false,
        password: {
          algorithm: "argon2",
          argon2: {
            variant: "argon2id",
            iterations: ARGON2ID.iterations,
            memory: ARGON2ID.memory,
            parallelism: ARGON2ID.parallelism,
            key_length: ARGON2ID.keyLength,
            salt_length: ARGON2ID.saltLength,
          },
        },
      },
    },
    // rules.yml replaces this rule (a later file's list wins when koanf merges); until it is written,
    // everything is denied. Authelia refuses default_policy deny without any rule (validator/access_control.go).
    access_control: { default_policy: "deny", rules: [{ domain: [cfg.domain, `*.${cfg.domain}`], policy: "deny" }] },
    session: {
      cookies: [{ domain: cfg.domain, authelia_url: url }],
      redis: { host: names.container(AUTHELIA, "redis"), port: REDIS_PORT },
    },
    regulation: { max_retries: 3, find_time: "2 minutes", ban_time: "10 minutes" },
    storage:
      a.storage === "postgres"
        ? { postgres: { address: `tcp://${names.container(AUTHELIA, "db")}:${POSTGRES_PORT}`, database: AUTHELIA, username: AUTHELIA } }
        : { local: { path: "/config/db.sqlite3" } },
    notifier: a.smtp
      ? { smtp: { address: smtpAddress(a.smtp.host, a.smtp.port), username: a.smtp.username, sender: a.smtp.sender } }
      : { filesystem: { filename: "/config/notification.txt" } },
    ...(a.duo ? { duo_api: { hostname: a.duo.hostname, integration_key: a.duo.integrationKey } } : {}),
  };
}
