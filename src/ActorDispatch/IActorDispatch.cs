using ActorDispatch.Model;
using ActorDispatch.Transports.InProcess;

namespace ActorDispatch;

/// <summary>
/// The engine as host code sees it: append events, manage subscriptions, and consume them in
/// process. Thread-safe. Errors are <see cref="ActorDispatchException"/>s naming what is wrong.
/// </summary>
public interface IActorDispatch
{
    /// <summary>Appends one event; returns it as stored (id, sequence, created) once it is durable.</summary>
    Task<Event> AppendAsync(string @namespace, NewEvent newEvent, CancellationToken cancellationToken = default);

    /// <summary>Appends events atomically (all or none) in order; returns them once durable.</summary>
    Task<IReadOnlyList<Event>> AppendAsync(string @namespace, IReadOnlyList<NewEvent> newEvents, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends events atomically, once per <paramref name="idempotencyKey"/> (the HTTP <c>Idempotency-Key</c>;
    /// 1-255 printable ASCII characters, or null for none): a retry with the same key within
    /// <c>actordispatch.log.idempotency-window</c> (2 minutes by default) appends nothing and returns the
    /// events the first call stored, with <see cref="AppendResult.Replayed"/>, also after a restart of the
    /// engine or of the namespace's log. A retry while the first call is still being written waits for
    /// it. The same key with other events is refused (<see cref="ErrorKind.Conflict"/>). Keys are per namespace.
    /// </summary>
    Task<AppendResult> AppendAsync(string @namespace, IReadOnlyList<NewEvent> newEvents, string? idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>The event with this id, or null.</summary>
    Task<Event?> GetEventAsync(string @namespace, Guid id, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> events from <paramref name="fromSequence"/> on, in sequence order.</summary>
    Task<IReadOnlyList<Event>> ReadEventsAsync(string @namespace, long fromSequence, int limit, CancellationToken cancellationToken = default);

    /// <summary>The namespace's highest sequence (0 for an empty log).</summary>
    Task<long> GetHeadAsync(string @namespace, CancellationToken cancellationToken = default);

    /// <summary>Creates a durable subscription; a name already taken in the namespace is a conflict.</summary>
    Task<Subscription> CreateSubscriptionAsync(SubscriptionInput input, CancellationToken cancellationToken = default);

    /// <summary>Creates the subscription, or updates the one of that name (keeping its id and committed offset).</summary>
    Task<SubscriptionSaveResult> UpsertSubscriptionAsync(SubscriptionInput input, CancellationToken cancellationToken = default);

    /// <summary>A durable subscription by id or name, or null.</summary>
    Task<Subscription?> GetSubscriptionAsync(string @namespace, string idOrName, CancellationToken cancellationToken = default);

    /// <summary>Committed offset, in-flight count, lag, active connection and counters of a durable subscription.</summary>
    Task<SubscriptionStatus> GetSubscriptionStatusAsync(string @namespace, string idOrName, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Subscription>> ListSubscriptionsAsync(string @namespace, CancellationToken cancellationToken = default);

    /// <summary>Deletes a durable subscription and its offset; false if there was none.</summary>
    Task<bool> DeleteSubscriptionAsync(string @namespace, string idOrName, CancellationToken cancellationToken = default);

    /// <summary>The events a subscription parked after <c>maxDeliveries</c> failed attempts, in sequence order.</summary>
    ValueTask<IReadOnlyList<ParkedEvent>> GetParkedEventsAsync(string @namespace, string idOrName, int skip = 0, int limit = 100,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Delivers parked events (those with <paramref name="sequences"/>, or all) again, ahead of the live
    /// stream; each leaves the list once acked, and is parked again if it exhausts <c>maxDeliveries</c>
    /// again. Returns how many are replayed.
    /// </summary>
    ValueTask<int> ReplayParkedEventsAsync(string @namespace, string idOrName, IReadOnlyList<long>? sequences = null,
        CancellationToken cancellationToken = default);

    /// <summary>Discards parked events (those with <paramref name="sequences"/>, or all); returns how many.</summary>
    ValueTask<int> DiscardParkedEventsAsync(string @namespace, string idOrName, IReadOnlyList<long>? sequences = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a subscription so that its next delivery is <paramref name="firstEvent"/>: <c>oldest</c>,
    /// <c>newest</c> (the next event appended), a sequence number, or an RFC 3339 time (the first event
    /// created at or after it). Deliveries in flight are dropped; the new offset is durable when this
    /// returns it.
    /// </summary>
    ValueTask<long> ResetSubscriptionAsync(string @namespace, string idOrName, string firstEvent, CancellationToken cancellationToken = default);

    /// <summary>Pauses a subscription: it keeps its offset and connections and delivers nothing, across restarts too.</summary>
    ValueTask PauseSubscriptionAsync(string @namespace, string idOrName, CancellationToken cancellationToken = default);

    /// <summary>Resumes a paused subscription from its committed offset.</summary>
    ValueTask ResumeSubscriptionAsync(string @namespace, string idOrName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Consumes a durable subscription of the <c>system</c> transport in process, until
    /// <paramref name="cancellationToken"/> is cancelled. Several listeners on one subscription share
    /// it by failover: one receives, the others take over when it stops.
    /// </summary>
    IAsyncEnumerable<InProcessDelivery> ListenAsync(string @namespace, string name, CancellationToken cancellationToken = default);

    /// <summary>Consumes an ephemeral subscription (from <c>newest</c> unless told otherwise) that ends with the enumeration.</summary>
    IAsyncEnumerable<InProcessDelivery> ListenEphemeralAsync(string @namespace, SubscriptionFilter? filter = null, SubscriptionOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>Publishes a host's own change event to the ephemeral connections that asked for its collection.</summary>
    void PublishChangeEvent(ChangeEvent change);
}

/// <summary>The outcome of an upsert: the stored subscription, and whether it was new.</summary>
public sealed record SubscriptionSaveResult(Subscription Subscription, bool Created);
