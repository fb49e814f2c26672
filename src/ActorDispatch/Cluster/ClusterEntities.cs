using ActorDispatch.Log;
using ActorDispatch.Subscriptions;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.Singleton;
using Akka.Coordination;

namespace ActorDispatch.Cluster;

/// <summary>
/// Starts the engine's actors the cluster way: each namespace's log and each durable subscription
/// is a Cluster.Sharding entity (subscriptions with remember-entities, so that connect-out ones run
/// with no traffic), and the catalog is a cluster singleton. A shard, and the catalog, holds a lease
/// while it runs, so that two nodes never run one of them at once, even when they cannot see each
/// other; a handoff drains an entity instead of stopping it mid-write.
/// </summary>
internal static class ClusterEntities
{
    public const string LogsTypeName = "actordispatch-logs";
    public const string SubscriptionsTypeName = "actordispatch-subscriptions";

    public static IActorRef StartLogs(ActorSystem system, ClusterSettings cluster, Props logs) =>
        ClusterSharding.Get(system).Start(LogsTypeName, logs, Sharding(system, cluster).WithRememberEntities(false),
            new LogMessageExtractor(cluster.NumberOfShards), ClusterSharding.Get(system).DefaultShardAllocationStrategy(Sharding(system, cluster)),
            EventLog.Drain.Instance);

    public static IActorRef StartSubscriptions(ActorSystem system, ClusterSettings cluster, Props host)
    {
        var settings = Sharding(system, cluster).WithRememberEntities(true);
        return ClusterSharding.Get(system).Start(SubscriptionsTypeName, host, settings,
            new SubscriptionMessageExtractor(cluster.NumberOfShards), ClusterSharding.Get(system).DefaultShardAllocationStrategy(settings),
            SubscriptionHost.Drain.Instance);
    }

    /// <summary>Starts the catalog's singleton manager on this node and returns a proxy to wherever the catalog runs.</summary>
    public static IActorRef StartCatalog(ActorSystem system, ClusterSettings cluster, Props catalog)
    {
        var manager = ClusterSingletonManagerSettings.Create(system).WithSingletonName("actor");
        if (cluster.LeasePath is { } lease) manager = manager.WithLeaseSettings(new LeaseUsageSettings(lease, cluster.LeaseRetryInterval));
        system.ActorOf(ClusterSingletonManager.Props(catalog, PoisonPill.Instance, manager), "actordispatch-catalog");
        return system.ActorOf(ClusterSingletonProxy.Props("/user/actordispatch-catalog",
            ClusterSingletonProxySettings.Create(system).WithSingletonName("actor")), "actordispatch-catalog-proxy");
    }

    private static ClusterShardingSettings Sharding(ActorSystem system, ClusterSettings cluster)
    {
        var settings = ClusterShardingSettings.Create(system);
        return cluster.LeasePath is { } lease ? settings.WithLeaseSettings(new LeaseUsageSettings(lease, cluster.LeaseRetryInterval)) : settings;
    }
}
