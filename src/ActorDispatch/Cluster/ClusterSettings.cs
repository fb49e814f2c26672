using Akka.Actor;
using Akka.Configuration;

namespace ActorDispatch.Cluster;

/// <summary>
/// Cluster mode, read once from <c>actordispatch.cluster</c>: whether the engine runs its logs and
/// subscriptions as Cluster.Sharding entities and its catalog as a cluster singleton, this node's
/// name, and how the entities are spread and fenced.
/// </summary>
/// <param name="NodeName">This node's name, as status reports it; carried as a cluster role so that every node knows every other's.</param>
/// <param name="NumberOfShards">Shards per entity type; a shard is what moves between nodes.</param>
/// <param name="LeasePath">The lease configuration each shard and the catalog hold while they run, or null for none.</param>
/// <param name="LeaseRetryInterval">How soon a shard or the catalog asks again for a lease it was refused.</param>
internal sealed record ClusterSettings(string NodeName, int NumberOfShards, string? LeasePath, TimeSpan LeaseRetryInterval)
{
    public const string Section = "actordispatch.cluster";

    /// <summary>The cluster settings of <paramref name="system"/>, or null when it runs on a single node.</summary>
    public static ClusterSettings? Create(ActorSystem system) => Create(system.Settings.Config, system.Name);

    public static ClusterSettings? Create(Config config, string systemName)
    {
        var c = config.GetConfig(Section);
        if (c is null || !c.GetBoolean("enabled")) return null;
        var shards = c.GetInt("number-of-shards");
        if (shards < 1) throw Errors.InvalidField($"{Section}.number-of-shards", "must be 1 or more");
        var lease = c.GetString("use-lease");
        return new ClusterSettings(
            c.GetString("node-name") is { Length: > 0 } name ? name : systemName,
            shards,
            string.IsNullOrEmpty(lease) ? null : lease,
            c.GetTimeSpan("lease-retry-interval"));
    }
}
