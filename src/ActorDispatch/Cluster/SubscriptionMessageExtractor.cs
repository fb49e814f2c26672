using ActorDispatch.Subscriptions;
using Akka.Cluster.Sharding;

namespace ActorDispatch.Cluster;

/// <summary>Routes an envelope to the entity of its durable subscription, which takes the envelope itself.</summary>
internal sealed class SubscriptionMessageExtractor(int shards) : HashCodeMessageExtractor(shards)
{
    public override string? EntityId(object message) => (message as SubscriptionHost.Envelope)?.Id.ToString();
}
