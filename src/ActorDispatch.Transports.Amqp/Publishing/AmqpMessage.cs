using System.Text;
using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports.Amqp.Options;
using RabbitMQ.Client;

namespace ActorDispatch.Transports.Amqp.Publishing;

/// <summary>Names of the headers the transport sets on every message, besides <c>traceparent</c> and <c>tracestate</c>.</summary>
internal static class MessageHeaders
{
    public const string Namespace = "actordispatch-namespace";
    public const string Sequence = "actordispatch-sequence";
    public const string Topic = "actordispatch-topic";
}

/// <summary>One message ready to publish: where it goes, its properties and its body.</summary>
internal sealed record AmqpMessage(string Exchange, string RoutingKey, bool Mandatory, BasicProperties Properties, ReadOnlyMemory<byte> Body)
{
    /// <summary>
    /// The message for a delivery, as docs/protocol.md says: the body webhooks would send (the data
    /// payload with <c>withData</c>, else the delivery JSON), <c>message-id</c> the event id,
    /// <c>type</c> its type, <c>correlation-id</c> its correlator, <c>timestamp</c> its creation
    /// (seconds), the trace context and the static headers. A pure function; properties are fresh
    /// each time because the client adds its own header to them when it publishes.
    /// </summary>
    public static AmqpMessage For(AmqpOptions options, EventDelivery delivery)
    {
        var e = delivery.Event;
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in options.Headers) headers[name] = Encoding.UTF8.GetBytes(value);
        headers["traceparent"] = Encoding.UTF8.GetBytes(delivery.TraceParent);
        if (delivery.TraceState is { } state) headers["tracestate"] = Encoding.UTF8.GetBytes(state);
        headers[MessageHeaders.Namespace] = Encoding.UTF8.GetBytes(e.Namespace);
        headers[MessageHeaders.Sequence] = e.Sequence;
        if (e.Topic is { } topic) headers[MessageHeaders.Topic] = Encoding.UTF8.GetBytes(topic);

        var properties = new BasicProperties
        {
            ContentType = "application/json",
            MessageId = e.Id.ToString(),
            Type = e.Type,
            CorrelationId = e.Correlator?.ToString(),
            Timestamp = new AmqpTimestamp(e.Created.ToUnixTimeSeconds()),
            DeliveryMode = options.Persistent ? DeliveryModes.Persistent : DeliveryModes.Transient,
            Headers = headers,
        };
        return new AmqpMessage(options.Exchange, options.RoutingKey.Render(e), options.Mandatory, properties, BodyOf(options, delivery));
    }

    private static ReadOnlyMemory<byte> BodyOf(AmqpOptions options, EventDelivery delivery)
    {
        if (!options.WithData) return JsonSerializer.SerializeToUtf8Bytes(delivery, ActorDispatchJson.Options);
        return delivery.Event.Data is { } data ? Encoding.UTF8.GetBytes(data.GetRawText()) : ReadOnlyMemory<byte>.Empty;
    }
}
