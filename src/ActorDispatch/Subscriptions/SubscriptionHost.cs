using ActorDispatch.Connections;
using Akka.Actor;

namespace ActorDispatch.Subscriptions;

/// <summary>
/// Runs the durable subscriptions of this node, one <see cref="DurableSubscriptionActor"/> each,
/// addressed by id through <see cref="Envelope"/>. A subscription is started by the first message
/// for it and started again (after <c>rewind-backoff-max</c>) if it stops without saying it meant
/// to. In a cluster each subscription's host is a Cluster.Sharding entity (with remember-entities)
/// that runs that one subscription. The actor is <see cref="SubscriptionHostActor"/>.
/// </summary>
internal static class SubscriptionHost
{
    public static Props Props(DurableSubscription.Dependencies dependencies) =>
        Akka.Actor.Props.Create(() => new SubscriptionHostActor(dependencies));

    /// <summary>A message for the subscription with this id.</summary>
    public sealed record Envelope(Guid Id, object Message);

    /// <summary>
    /// From a connection registry: tell it <see cref="ConnectionRegistry.SubscriptionStarted"/>
    /// whenever a subscription has recovered, so that it offers its connection again.
    /// </summary>
    public sealed record WatchStarts(IActorRef Registry);

    /// <summary>From a subscription to its host: it has recovered with a definition.</summary>
    public sealed record Started(Guid Id);

    /// <summary>From a subscription to its host: it stops on purpose (deleted, or never defined); do not start it again.</summary>
    public sealed record Stopping(Guid Id);

    /// <summary>Replied to with <see cref="Actors"/>: the running subscriptions, to flush their offsets at shutdown.</summary>
    public sealed record GetActors
    {
        public static readonly GetActors Instance = new();
    }

    public sealed record Actors(IReadOnlyList<IActorRef> Running);

    /// <summary>
    /// In a cluster, from the shard: the entity moves to another node (rebalance, graceful leave) or
    /// is passivated. Its subscriptions persist their latest offsets, then it stops.
    /// </summary>
    public sealed record Drain
    {
        public static readonly Drain Instance = new();
    }

    /// <summary>
    /// In a cluster, the DistributedPubSub topic of <see cref="ConnectionRegistry.SubscriptionStarted"/>:
    /// every node's registry hears that a subscription has recovered, wherever it runs.
    /// </summary>
    public const string StartedTopic = "actordispatch-subscription-started";
}
