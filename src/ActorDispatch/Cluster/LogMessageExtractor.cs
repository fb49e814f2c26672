using ActorDispatch.Log;
using Akka.Cluster.Sharding;

namespace ActorDispatch.Cluster;

/// <summary>Routes a log command to the entity of its namespace: one writer per namespace, cluster-wide.</summary>
internal sealed class LogMessageExtractor(int shards) : HashCodeMessageExtractor(shards)
{
    public override string? EntityId(object message) => (message as EventLog.ICommand)?.Namespace;
}
