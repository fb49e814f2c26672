using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports;
using Akka.Actor;

namespace ActorDispatch.Tests.Support;

/// <summary>
/// A transport that hands every delivery to a TestKit probe, so tests observe the engine through
/// <c>ExpectMsg</c> and answer through <see cref="Callbacks"/>. Its options schema declares a
/// required-format <c>url</c> and a non-negative <c>retries</c>, to exercise schema validation, and
/// write-only <c>token</c> and <c>headers</c>, to exercise their masking.
/// </summary>
public sealed class ProbeTransport(IActorRef probe, string name = "probe") : IEventTransportAll
{
    /// <param name="Options">The subscription's options as the transport got them (write-only ones unmasked).</param>
    public sealed record Delivered(string ConnectionId, EventDelivery Delivery, JsonElement? Data, SubscriptionOptions Options)
    {
        public Event Event => Delivery.Event;
    }

    public sealed record BatchDelivered(string ConnectionId, EventDeliveryBatch Batch);

    public sealed record ChangeReceived(string ConnectionId, ChangeEvent Change);

    public string Name { get; } = name;

    public ITransportCallbacks Callbacks { get; private set; } = null!;

    public TransportConfig? Config { get; private set; }

    /// <summary>When set, every delivery request fails with this message (a transport error).</summary>
    public string? FailDeliveriesWith { get; set; }

    public TransportCapabilities Capabilities { get; } = new(ChangeEvents: true, BatchDelivery: true);

    public void InitConfig(TransportConfigBuilder config) => config.AddKnownKey("greeting", "hello").AddKnownKey("maxConnections", "10");

    public Task InitAsync(TransportConfig config, ITransportCallbacks callbacks, CancellationToken cancellationToken = default)
    {
        Config = config;
        Callbacks = callbacks;
        return Task.CompletedTask;
    }

    public JsonDocument GetOptionsSchema() => JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "url": { "type": "string", "pattern": "^https?://" },
            "retries": { "type": "integer", "minimum": 0 },
            "token": { "type": "string", "writeOnly": true },
            "headers": { "type": "object", "additionalProperties": { "type": "string" }, "writeOnly": true }
          },
          "additionalProperties": false
        }
        """);

    public SubscriptionOptions ValidateOptions(SubscriptionOptions options) => options;

    public Task DeliveryRequestAsync(string connectionId, Subscription subscription, EventDelivery delivery, JsonElement? data, CancellationToken cancellationToken = default)
    {
        if (FailDeliveriesWith is { } failure) return Task.FromException(new InvalidOperationException(failure));
        probe.Tell(new Delivered(connectionId, delivery, data, subscription.Options));
        return Task.CompletedTask;
    }

    public Task BatchDeliveryRequestAsync(string connectionId, Subscription subscription, EventDeliveryBatch batch, CancellationToken cancellationToken = default)
    {
        probe.Tell(new BatchDelivered(connectionId, batch));
        return Task.CompletedTask;
    }

    public void ChangeEvent(string connectionId, ChangeEvent changeEvent) => probe.Tell(new ChangeReceived(connectionId, changeEvent));

    /// <summary>Acks a delivery naming its subscription, as a receiver serving several subscriptions on one connection must.</summary>
    public void Ack(Delivered delivered) =>
        Callbacks.DeliveryResponse(delivered.ConnectionId, new EventDeliveryResponse { Id = delivered.Event.Id, Subscription = delivered.Delivery.Subscription });

    public void Ack(string connectionId, Guid id, NewEvent? reply = null) =>
        Callbacks.DeliveryResponse(connectionId, new EventDeliveryResponse { Id = id, Reply = reply });

    public void Reject(string connectionId, Guid id, string? info = null, TimeSpan? delay = null) =>
        Callbacks.DeliveryResponse(connectionId, new EventDeliveryResponse { Id = id, Rejected = true, Info = info, Delay = delay });
}
