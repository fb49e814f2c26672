using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;

namespace ActorDispatch.Serialization;

/// <summary>
/// A message carried inside another (an envelope's payload, a reply to send later) is written by
/// whichever Akka serializer is bound to its type, with that serializer's id and manifest beside
/// it, so an envelope can carry any message the receiving node can read.
/// </summary>
internal sealed class NestedMessageJsonConverter(ExtendedActorSystem system) : JsonConverter<object>
{
    public override object? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("a nested message is an object");
        int? serializer = null;
        string manifest = "";
        byte[]? payload = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "s": serializer = reader.GetInt32(); break;
                case "m": manifest = reader.GetString() ?? ""; break;
                case "p": payload = reader.GetBytesFromBase64(); break;
                default: reader.Skip(); break;
            }
        }
        if (serializer is null || payload is null) throw new JsonException("a nested message needs 's' and 'p'");
        return system.Serialization.Deserialize(payload, serializer.Value, manifest);
    }

    public override void Write(Utf8JsonWriter writer, object value, JsonSerializerOptions options)
    {
        var serializer = system.Serialization.FindSerializerFor(value);
        writer.WriteStartObject();
        writer.WriteNumber("s", serializer.Identifier);
        writer.WriteString("m", Akka.Serialization.Serialization.ManifestFor(serializer, value));
        writer.WriteBase64String("p", serializer.ToBinary(value));
        writer.WriteEndObject();
    }
}
