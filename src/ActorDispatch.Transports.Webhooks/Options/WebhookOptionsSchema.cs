using System.Text.Json;

namespace ActorDispatch.Transports.Webhooks.Options;

/// <summary>
/// The JSON Schema of the webhook options (FireFly's names and nesting). The engine enforces it
/// before <see cref="WebhookOptionsParser"/> runs, so it carries the type and range checks;
/// <c>url</c> is not listed as required here only so that its absence is reported by the parser,
/// which names the option, rather than by a schema message at the options' root.
/// </summary>
internal static class WebhookOptionsSchema
{
    private const string Duration = """{ "type": ["string", "number"], "minimum": 0, "description": "a duration such as '250ms' or '1m30s'; a bare number is milliseconds" }""";

    public static readonly string Text = $$"""
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "title": "webhooks transport options",
          "type": "object",
          "properties": {
            "url": { "type": "string", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://", "description": "target URL, http or https; required" },
            "method": { "type": "string", "pattern": "^[A-Za-z]+$", "description": "HTTP method; default POST" },
            "headers": { "type": "object", "additionalProperties": { "type": "string" }, "writeOnly": true, "description": "static request headers; their values read back masked" },
            "query": { "type": "object", "additionalProperties": { "type": "string" }, "description": "static query parameters" },
            "input": {
              "type": "object",
              "description": "top-level fields of the data payload that supply parts of the request (needs withData)",
              "properties": {
                "body": { "type": "string", "minLength": 1 },
                "headers": { "type": "string", "minLength": 1 },
                "query": { "type": "string", "minLength": 1 },
                "path": { "type": "string", "minLength": 1 }
              },
              "additionalProperties": false
            },
            "json": { "type": "boolean", "description": "parse the response body as JSON whatever its content type; default false" },
            "fastack": { "type": "boolean", "description": "ack at once and send in the background; default false" },
            "reply": { "type": "boolean", "description": "append the response as a reply event; default false" },
            "replytag": { "type": "string", "maxLength": 256, "description": "tag of reply events" },
            "replytx": { "type": "string", "format": "uuid", "description": "tx (a UUID) of reply events" },
            "retry": {
              "type": "object",
              "properties": {
                "enabled": { "type": "boolean" },
                "count": { "type": "integer", "minimum": 0 },
                "initialDelay": {{Duration}},
                "maxDelay": {{Duration}}
              },
              "additionalProperties": false
            },
            "httpOptions": {
              "type": "object",
              "properties": {
                "requestTimeout": {{Duration}},
                "connectionTimeout": {{Duration}},
                "maxIdleConns": { "type": "integer", "minimum": 0 },
                "idleTimeout": {{Duration}},
                "proxyURL": { "type": "string", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://" }
              },
              "additionalProperties": false
            },
            "tlsConfigName": { "type": "string", "minLength": 1, "description": "a named TLS configuration of the transport" },
            "secret": { "type": "string", "minLength": 1, "writeOnly": true, "description": "Standard Webhooks signing secret, at least 24 bytes: whsec_<base64> or any string; reads back masked" }
          },
          "additionalProperties": false
        }
        """;

    public static JsonDocument Create() => JsonDocument.Parse(Text);
}
