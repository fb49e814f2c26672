using ActorDispatch.Subscriptions;
using ActorDispatch.Tests.Support;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;

namespace ActorDispatch.Tests.Engine;

/// <summary>
/// A subscription snapshots every few offset commits here, so a short run goes through many
/// snapshot cycles: each trims the journal behind the snapshot, and none may disturb dispatch.
/// </summary>
public abstract class SnapshotCycleSpec(ITestOutputHelper output, StoreKind store)
    : EngineSpec(output, store, ConfigurationFactory.ParseString("""
        actordispatch.dispatch {
          commit-interval = 10ms
          snapshot-every = 3
        }
        """))
{
    private const int Cycles = 10;

    [SkippableFact]
    public async Task Dispatch_goes_through_many_snapshot_cycles_without_a_pause_or_a_redelivery()
    {
        var subscription = await CreateSubscriptionAsync("app");
        Connect("app");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var longestGap = TimeSpan.Zero;
        long sequence = 0;
        while (await LatestSnapshotSequenceNrAsync(subscription.Id) < Cycles * 3)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {await LatestSnapshotSequenceNrAsync(subscription.Id)} journal entries snapshotted after {sequence} events");
            for (var i = 0; i < 20; i++)
            {
                var before = DateTime.UtcNow;
                await AppendManyAsync(1);
                // The next delivery is the next sequence: a restart or rewind would deliver an earlier one again.
                var delivered = ExpectDelivery(++sequence, TimeSpan.FromSeconds(5));
                var gap = DateTime.UtcNow - before;
                if (gap > longestGap) longestGap = gap;
                Transport.Ack(delivered);
                // Let the offset commit now and then, so that commits (and snapshots) keep coming.
                if (i % 5 == 4) await AwaitOffsetAsync("app", sequence);
            }
            var status = await Engine.GetSubscriptionStatusAsync(Ns, "app");
            Assert.Equal(0, status.Redelivered);
        }
        // An actor stopped at a snapshot and started again shows above, as a redelivery; this bound is
        // for dispatch stalling at a snapshot, and on a loaded two-core machine one append's write
        // alone can take 2 s.
        Assert.True(longestGap < TimeSpan.FromSeconds(3), $"dispatch paused for {longestGap} between an append and its delivery");
        Deliveries.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    private async Task<long> LatestSnapshotSequenceNrAsync(Guid id)
    {
        var store = Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        var result = await store.Ask<LoadSnapshotResult>(
            new LoadSnapshot(DurableSubscription.PersistenceId(id), SnapshotSelectionCriteria.Latest, long.MaxValue), TimeSpan.FromSeconds(5));
        return result.Snapshot?.Metadata.SequenceNr ?? 0;
    }
}

public sealed class SnapshotCycleSpecOnSqlite(ITestOutputHelper output) : SnapshotCycleSpec(output, StoreKind.Sqlite);

[Trait("Category", "Postgres")]
public sealed class SnapshotCycleSpecOnPostgres(ITestOutputHelper output) : SnapshotCycleSpec(output, StoreKind.Postgres);
