using System.Text.Json;

namespace ActorDispatch.Transports.Mqtt.Options;

/// <summary>
/// The JSON Schema of the mqtt options. The engine enforces it before <see cref="MqttOptionsParser"/>
/// runs, so it carries the type and range checks; the parser checks what a schema cannot word
/// well (the topic template's placeholders), naming the option.
/// </summary>
internal static class MqttOptionsSchema
{
    public const string Text = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "title": "mqtt transport options",
          "type": "object",
          "properties": {
            "topic": { "type": "string", "minLength": 1, "description": "topic name template over {namespace}, {topic} and {type}; default actordispatch/{namespace}/{topic}" },
            "qos": { "type": "integer", "enum": [0, 1, 2], "description": "publish QoS: 0 acks once sent, 1 on the broker's PUBACK, 2 on its PUBCOMP; default 1" },
            "retain": { "type": "boolean", "description": "publish with the retain flag; default false" }
          },
          "additionalProperties": false
        }
        """;

    public static JsonDocument Create() => JsonDocument.Parse(Text);
}
