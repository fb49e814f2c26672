using ActorDispatch.Model;

namespace ActorDispatch.Transports.InProcess;

/// <summary>
/// A delivery to host code through <see cref="IActorDispatch.ListenAsync"/>: one event, or a batch for
/// subscriptions with <c>batch</c>. Answer every delivery with <see cref="AckAsync"/> or
/// <see cref="RejectAsync"/>; until then it counts against the subscription's <c>readAhead</c> window.
/// </summary>
public sealed class InProcessDelivery
{
    private readonly ITransportCallbacks _callbacks;
    private readonly string _connectionId;

    internal InProcessDelivery(ITransportCallbacks callbacks, string connectionId, Guid id, SubscriptionRef subscription, IReadOnlyList<EventDelivery> events)
    {
        _callbacks = callbacks;
        _connectionId = connectionId;
        Id = id;
        Subscription = subscription;
        Events = events;
    }

    /// <summary>The event id, or the batch id for a batch.</summary>
    public Guid Id { get; }

    public SubscriptionRef Subscription { get; }

    /// <summary>The delivered events: exactly one unless the subscription batches.</summary>
    public IReadOnlyList<EventDelivery> Events { get; }

    /// <summary>The (first) delivered event.</summary>
    public Event Event => Events[0].Event;

    /// <summary>Acknowledges the delivery. A <paramref name="reply"/> is appended as a new event correlated to this one.</summary>
    public ValueTask AckAsync(NewEvent? reply = null)
    {
        _callbacks.DeliveryResponse(_connectionId, new EventDeliveryResponse { Id = Id, Subscription = Subscription, Reply = reply });
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Rejects the delivery: the subscription rewinds to its committed offset and replays from there,
    /// after <paramref name="delay"/> at the least.
    /// </summary>
    public ValueTask RejectAsync(string? info = null, TimeSpan? delay = null)
    {
        _callbacks.DeliveryResponse(_connectionId, new EventDeliveryResponse { Id = Id, Subscription = Subscription, Rejected = true, Info = info, Delay = delay });
        return ValueTask.CompletedTask;
    }
}
