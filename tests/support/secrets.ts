/**
 * Under Pulumi's mocks a secret input arrives wrapped as `{ [SECRET_SIG]: SECRET_VALUE_SIG, value }`
 * (the SDK's wire form), anywhere in the input tree.
 */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE_SIG = "1b47061264138c4ac30d75fd1eb44270";

export function isSecretInput(v: unknown): v is { value: unknown } {
  return !!v && typeof v === "object" && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_VALUE_SIG;
}

/** The plain value of a secret input; throws when the input is not a secret. */
export function revealSecret<T = unknown>(v: unknown): T {
  if (!isSecretInput(v)) throw new Error(`expected a secret, got ${JSON.stringify(v)}`);
  return v.value as T;
}
