using System.Text;
using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports.Mqtt.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace ActorDispatch.Transports.Mqtt.Publishing;

/// <summary>
/// Builds the MQTT message of a delivery, as docs/protocol.md says: the JSON body webhooks send
/// (the delivery without <c>withData</c>, the data payload with it, <c>null</c> when there is no
/// payload), content type <c>application/json</c>, and MQTT 5 user properties <c>id</c>, <c>type</c>,
/// <c>traceparent</c> and, when the event has one, <c>tracestate</c>. A pure function.
/// </summary>
internal static class MqttMessageFactory
{
    public const string ContentType = "application/json";

    public const string IdProperty = "id", TypeProperty = "type", TraceParentProperty = "traceparent", TraceStateProperty = "tracestate";

    private static readonly byte[] NullJson = "null"u8.ToArray();

    public static MqttApplicationMessage Create(MqttOptions options, EventDelivery delivery)
    {
        var e = delivery.Event;
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(options.Topic.Render(e))
            .WithPayload(Payload(options, delivery))
            .WithContentType(ContentType)
            .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
            .WithQualityOfServiceLevel(options.Qos)
            .WithRetainFlag(options.Retain)
            .WithUserProperty(IdProperty, Utf8(e.Id.ToString()))
            .WithUserProperty(TypeProperty, Utf8(e.Type))
            .WithUserProperty(TraceParentProperty, Utf8(delivery.TraceParent));
        if (delivery.TraceState is { Length: > 0 } state) builder.WithUserProperty(TraceStateProperty, Utf8(state));
        return builder.Build();
    }

    private static ReadOnlyMemory<byte> Utf8(string value) => Encoding.UTF8.GetBytes(value);

    // An empty payload would not be JSON, and with retain it would delete the topic's retained message.
    internal static byte[] Payload(MqttOptions options, EventDelivery delivery)
    {
        if (!options.WithData) return JsonSerializer.SerializeToUtf8Bytes(delivery, ActorDispatchJson.Options);
        return delivery.Event.Data is { } data ? Encoding.UTF8.GetBytes(data.GetRawText()) : NullJson;
    }
}
