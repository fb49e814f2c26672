using ActorDispatch.Cluster;
using ActorDispatch.Configuration;
using ActorDispatch.Diagnostics;
using ActorDispatch.Log;
using ActorDispatch.Model;
using ActorDispatch.Serialization;
using Akka.Actor;

namespace ActorDispatch.Subscriptions;

/// <summary>
/// A durable subscription as an event-sourced actor: its definition and committed offset, and the
/// one dispatcher it runs on the active connection that the connection registries offer it. The
/// actor is <see cref="DurableSubscriptionActor"/>; the <see cref="SubscriptionHost"/> runs it, the
/// <see cref="Catalog"/> defines and deletes it.
/// </summary>
internal static class DurableSubscription
{
    /// <summary>
    /// What a subscription actor needs from the engine to run dispatchers; <see cref="Cluster"/> is null on a single node,
    /// <see cref="Metrics"/> null for the system's instruments (<see cref="ActorDispatchMetrics.Get"/>).
    /// </summary>
    public sealed record Dependencies(IActorRef Logs, EventReader Reader, DispatchSettings Settings, IActorRef ChangeEvents, ClusterSettings? Cluster = null,
        ActorDispatchMetrics? Metrics = null);

    /// <summary>An operator's request to a subscription; answered by it, or with a retryable error while it restarts.</summary>
    public interface IRequest;

    public static Props Props(Guid id, Dependencies dependencies) =>
        Akka.Actor.Props.Create(() => new DurableSubscriptionActor(id, dependencies));

    public static string PersistenceId(Guid id) => $"subscription-{id}";

    /// <summary>
    /// Creates the subscription, or changes its definition (restarting dispatch, keeping the offset).
    /// <see cref="Reply"/>, if any, goes to <see cref="ReplyTo"/> once the definition is persisted and
    /// no dispatcher of the old definition runs any more: when the caller hears "updated", it is.
    /// </summary>
    public sealed record Define(Subscription Definition, IActorRef? ReplyTo = null, object? Reply = null);

    /// <summary>
    /// From a node's connection registry: its active connection for this subscription. The first
    /// registry to offer is served; the others wait in order and take over when it withdraws.
    /// </summary>
    public sealed record Offer(IActorRef Registry, IActorRef Connection, string ConnectionId);

    /// <summary>From a node's connection registry: it has no matching connection for this subscription any more.</summary>
    public sealed record Withdraw(IActorRef Registry);

    /// <summary>Persists the latest committed offset now; replied to with <see cref="Flushed"/>.</summary>
    public sealed record Flush
    {
        public static readonly Flush Instance = new();
    }

    public sealed record Flushed(Guid Id, long Offset);

    /// <summary>Stops dispatch and deletes the subscription's journal and snapshots, then the actor stops.</summary>
    public sealed record Delete
    {
        public static readonly Delete Instance = new();
    }

    /// <summary>
    /// Moves the committed offset to <see cref="Offset"/> (the next delivery is the event after it),
    /// dropping the deliveries in flight; answered with <see cref="ResetDone"/> once it is persisted.
    /// </summary>
    public sealed record Reset(long Offset) : IRequest;

    public sealed record ResetDone(long Offset);

    /// <summary>Pauses (or with false resumes) delivery, durably; answered with <see cref="PauseDone"/>.</summary>
    public sealed record Pause(bool Paused) : IRequest;

    public sealed record PauseDone(bool Paused);

    /// <summary>Answered with <see cref="ParkedList"/>.</summary>
    public sealed record GetParked(int Skip, int Limit) : IRequest;

    /// <summary>Parked events in sequence order.</summary>
    public sealed record ParkedList(IReadOnlyList<ParkedEvent> Events);

    /// <summary>Discards parked events (<see cref="Sequences"/>, or all when null); answered with <see cref="Discarded"/>.</summary>
    public sealed record DiscardParked(IReadOnlyList<long>? Sequences) : IRequest;

    public sealed record Discarded(int Count);

    /// <summary>
    /// Delivers parked events (<see cref="Sequences"/>, or all when null) again, ahead of the live
    /// stream; answered with <see cref="Replaying"/>. Each leaves the list once acked.
    /// </summary>
    public sealed record ReplayParked(IReadOnlyList<long>? Sequences) : IRequest;

    public sealed record Replaying(int Count);
}

/// <summary>Persisted state changes of a durable subscription.</summary>
internal static class SubscriptionEvents
{
    public sealed record Defined(Subscription Definition, long Offset) : IPersistedMessage;

    public sealed record Redefined(Subscription Definition) : IPersistedMessage;

    public sealed record OffsetCommitted(long Offset) : IPersistedMessage;

    /// <summary>The committed offset was set by an operator, forward or back.</summary>
    public sealed record OffsetReset(long Offset) : IPersistedMessage;

    public sealed record EventsParked(IReadOnlyList<ParkedEvent> Events) : IPersistedMessage;

    /// <summary>Parked events left the list: acked after a replay, or discarded.</summary>
    public sealed record ParkedRemoved(IReadOnlyList<long> Sequences) : IPersistedMessage;

    public sealed record PauseChanged(bool Paused) : IPersistedMessage;

    public sealed record Snapshot(Subscription Definition, long Offset, IReadOnlyList<ParkedEvent>? Parked = null, bool Paused = false) : IPersistedMessage;
}
