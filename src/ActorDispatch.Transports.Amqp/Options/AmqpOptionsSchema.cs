using System.Text.Json;

namespace ActorDispatch.Transports.Amqp.Options;

/// <summary>
/// The JSON Schema of the <c>amqp</c> options. The engine enforces it before
/// <see cref="AmqpOptionsParser"/> runs; the parser repeats the checks that need more than a schema
/// (placeholders, reserved header names) and names the option in its errors.
/// </summary>
internal static class AmqpOptionsSchema
{
    public const string Text = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "title": "amqp transport options",
          "type": "object",
          "properties": {
            "exchange": { "type": "string", "maxLength": 255, "description": "exchange to publish to; default \"\" (the default exchange, where the routing key names a queue)" },
            "routingKey": { "type": "string", "maxLength": 255, "description": "routing key template over {namespace}, {topic} and {type}; default {topic}" },
            "mandatory": { "type": "boolean", "description": "an unroutable message is returned and fails its delivery; default true" },
            "persistent": { "type": "boolean", "description": "delivery mode 2 (persistent); default true" },
            "headers": { "type": "object", "additionalProperties": { "type": "string" }, "description": "static message headers" }
          },
          "additionalProperties": false
        }
        """;

    public static JsonDocument Create() => JsonDocument.Parse(Text);
}
