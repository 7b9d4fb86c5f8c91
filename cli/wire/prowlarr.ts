import type { ProwlarrApplication } from "../../topology/appSync";
import type { ApiClient } from "./http";

/** An application as Prowlarr's API lists it (ProviderResource: name, implementation, fields of {name, value}). */
interface ProwlarrApplicationResource {
  id: number;
  name: string;
  implementation: string;
  fields?: { name: string; value?: unknown }[];
}

/** Prowlarr/Prowlarr@v2.0.5.5160:src/Prowlarr.Api.V1/System/SystemController.cs ([HttpGet("status")], needs the API key). */
export const PROWLARR_STATUS = "/api/v1/system/status";
/** Prowlarr/Prowlarr@v2.0.5.5160:src/Prowlarr.Api.V1/Applications/ApplicationController.cs ([V1ApiController("applications")]: GET lists, POST adds). */
export const PROWLARR_APPLICATIONS = "/api/v1/applications";

/**
 * Adds every planned application Prowlarr does not have yet; one already there (same name, or the same
 * implementation at the same URL, e.g. added by hand) is left as the owner has it. Returns one line per app.
 */
export async function syncProwlarr(api: ApiClient, applications: ProwlarrApplication[], keyOf: (a: ProwlarrApplication) => string): Promise<string[]> {
  await api.ready(PROWLARR_STATUS);
  const existing = await api.get<ProwlarrApplicationResource[]>(PROWLARR_APPLICATIONS);
  const lines: string[] = [];
  for (const app of applications) {
    const present = existing.find(
      (e) => e.name.toLowerCase() === app.service.toLowerCase() || (e.implementation === app.implementation && field(e, "baseUrl") === app.baseUrl),
    );
    if (present) {
      lines.push(`prowlarr: ${app.service} is already an application ('${present.name}')`);
      continue;
    }
    await api.post(PROWLARR_APPLICATIONS, applicationBody(app, keyOf(app)));
    lines.push(`prowlarr: added ${app.service} (${app.baseUrl}, full sync)`);
  }
  return lines;
}

/**
 * What Prowlarr's UI posts for a new application: the settings class's fields by their camel-case names
 * (SchemaBuilder.ReadFromSchema keeps the class's defaults, e.g. SyncCategories, for fields left out:
 * src/Prowlarr.Http/ClientSchema/SchemaBuilder.cs), and syncLevel `fullSync` (ApplicationSyncLevel, enums as
 * camel-case strings: src/NzbDrone.Common/Serializer/System.Text.Json/STJson.cs). Prowlarr tests the app before
 * saving (ProviderControllerBase.CreateProvider without forceSave), so a wrong URL or key is refused, not stored.
 */
export function applicationBody(app: ProwlarrApplication, apiKey: string) {
  return {
    name: app.service,
    implementation: app.implementation,
    configContract: app.configContract,
    syncLevel: "fullSync",
    tags: [],
    fields: [
      { name: "prowlarrUrl", value: app.prowlarrUrl },
      { name: "baseUrl", value: app.baseUrl },
      { name: "apiKey", value: apiKey },
    ],
  };
}

function field(resource: ProwlarrApplicationResource, name: string): unknown {
  return resource.fields?.find((f) => f.name === name)?.value;
}
