using System.Text.Json;
using ActorDispatch.Model;
using MQTTnet.Protocol;

namespace ActorDispatch.Transports.Mqtt.Options;

/// <summary>
/// Turns a subscription's options into <see cref="MqttOptions"/>, refusing anything that cannot work
/// with an <see cref="ActorDispatchException"/> naming the option (<c>options.qos</c>). A pure
/// function: the engine calls it through <see cref="MqttTransport.ValidateOptions"/> before storing a
/// subscription, and the transport again (cached) before publishing, with the same result.
/// </summary>
internal static class MqttOptionsParser
{
    private static readonly string[] Known = ["topic", "qos", "retain"];

    public static MqttOptions Parse(SubscriptionOptions options)
    {
        var values = options.Transport;
        foreach (var key in values.Keys)
        {
            if (!Known.Contains(key))
                throw OptionError(key, $"unknown option for transport 'mqtt' (known here: {string.Join(", ", Known)})");
        }
        return new MqttOptions(
            TopicTemplate.Parse(Get(values, "topic") is { } t ? t.ValueKind == JsonValueKind.String ? t.GetString()! : throw OptionError("topic", "must be a string") : TopicTemplate.Default),
            ParseQos(Get(values, "qos")),
            Get(values, "retain") switch
            {
                null => false,
                { ValueKind: JsonValueKind.True } => true,
                { ValueKind: JsonValueKind.False } => false,
                _ => throw OptionError("retain", "must be true or false"),
            },
            options.WithData ?? true);
    }

    private static MqttQualityOfServiceLevel ParseQos(JsonElement? value) => value switch
    {
        null => MqttQualityOfServiceLevel.AtLeastOnce,
        { ValueKind: JsonValueKind.Number } v when v.TryGetInt32(out var n) && n is >= 0 and <= 2 => (MqttQualityOfServiceLevel)n,
        var v => throw OptionError("qos", $"{v.Value.GetRawText()} must be 0, 1 or 2"),
    };

    private static JsonElement? Get(IReadOnlyDictionary<string, JsonElement> values, string name) =>
        values.TryGetValue(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    internal static ActorDispatchException OptionError(string option, string problem) =>
        new(ErrorKind.BadRequest, "AD10103", $"invalid option 'options.{option}': {problem}");
}
