using ActorDispatch.Model;
using ActorDispatch.Tests.Support;

namespace ActorDispatch.Tests.Engine;

public abstract class InProcessTransportSpec(ITestOutputHelper output, StoreKind store)
    : EngineSpec(output, store)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [SkippableFact]
    public async Task ListenAsync_yields_deliveries_in_order_and_acks_commit_the_offset()
    {
        await AppendManyAsync(5);
        await CreateSubscriptionAsync("local", readAhead: 2, transport: "system");
        using var cts = new CancellationTokenSource(Timeout);

        var seen = new List<long>();
        await foreach (var d in Engine.ListenAsync(Ns, "local", cts.Token))
        {
            seen.Add(d.Event.Sequence);
            await d.AckAsync();
            if (seen.Count == 5) break;
        }

        Assert.Equal([1L, 2, 3, 4, 5], seen);
        await AwaitOffsetAsync("local", 5);
    }

    [SkippableFact]
    public async Task RejectAsync_with_a_delay_waits_and_maxDeliveries_parks_what_keeps_failing()
    {
        await AppendManyAsync(2);
        await CreateSubscriptionAsync("local", transport: "system", options: new SubscriptionOptions { MaxDeliveries = 2 });
        using var cts = new CancellationTokenSource(Timeout);

        var seen = new List<(long Sequence, DateTime At)>();
        await foreach (var d in Engine.ListenAsync(Ns, "local", cts.Token))
        {
            seen.Add((d.Event.Sequence, DateTime.UtcNow));
            if (d.Event.Sequence == 1) await d.RejectAsync("poison", delay: TimeSpan.FromMilliseconds(500));
            else await d.AckAsync();
            if (d.Event.Sequence == 2) break;
        }

        Assert.Equal([1L, 1, 2], seen.Select(s => s.Sequence));
        Assert.True(seen[1].At - seen[0].At >= TimeSpan.FromMilliseconds(490), $"redelivered after {(seen[1].At - seen[0].At).TotalMilliseconds:0} ms");
        await AwaitOffsetAsync("local", 2);
        Assert.Equal(1, Assert.Single(await Engine.GetParkedEventsAsync(Ns, "local")).Sequence);
    }

    [SkippableFact]
    public async Task RejectAsync_replays_from_the_committed_offset()
    {
        await AppendManyAsync(3);
        await CreateSubscriptionAsync("local", transport: "system");
        using var cts = new CancellationTokenSource(Timeout);

        var seen = new List<long>();
        await foreach (var d in Engine.ListenAsync(Ns, "local", cts.Token))
        {
            seen.Add(d.Event.Sequence);
            if (seen.Count == 2) await d.RejectAsync("not yet");
            else await d.AckAsync();
            if (seen.Count == 4) break;
        }

        Assert.Equal([1L, 2, 2, 3], seen);
    }

    [SkippableFact]
    public async Task Ending_the_enumeration_hands_the_subscription_to_the_next_listener()
    {
        await AppendManyAsync(2);
        await CreateSubscriptionAsync("local", transport: "system");
        using var cts = new CancellationTokenSource(Timeout);

        await foreach (var d in Engine.ListenAsync(Ns, "local", cts.Token))
        {
            await d.AckAsync();
            break; // closes the connection
        }
        await AwaitOffsetAsync("local", 1);

        await foreach (var d in Engine.ListenAsync(Ns, "local", cts.Token))
        {
            Assert.Equal(2, d.Event.Sequence);
            break;
        }
    }

    [SkippableFact]
    public async Task Batch_subscriptions_yield_batches()
    {
        await AppendManyAsync(4);
        await CreateSubscriptionAsync("local", transport: "system", options: new SubscriptionOptions { Batch = true, BatchSize = 4, BatchTimeout = "5s" });
        using var cts = new CancellationTokenSource(Timeout);

        await foreach (var d in Engine.ListenAsync(Ns, "local", cts.Token))
        {
            Assert.Equal([1L, 2, 3, 4], d.Events.Select(e => e.Event.Sequence));
            await d.AckAsync();
            break;
        }
        await AwaitOffsetAsync("local", 4);
    }

    [SkippableFact]
    public async Task ListenEphemeralAsync_receives_only_events_appended_after_it_started()
    {
        await AppendManyAsync(2);
        using var cts = new CancellationTokenSource(Timeout);
        await using var listener = Engine.ListenEphemeralAsync(Ns, new SubscriptionFilter { Topic = "^eu$" }, cancellationToken: cts.Token).GetAsyncEnumerator(cts.Token);
        var next = listener.MoveNextAsync();

        // The ephemeral subscription starts asynchronously: keep appending until it sees one.
        await AwaitAssertAsync(async () =>
        {
            await Engine.AppendAsync(Ns, [NewEvent(topic: "us"), NewEvent(topic: "eu")]);
            Assert.True(next.IsCompleted);
        }, Timeout, TimeSpan.FromMilliseconds(100));

        Assert.True(await next);
        Assert.Equal("eu", listener.Current.Event.Topic);
        Assert.True(listener.Current.Event.Sequence > 2);
    }

    [SkippableFact]
    public async Task Listening_to_a_missing_or_foreign_subscription_fails_clearly()
    {
        await CreateSubscriptionAsync("remote", transport: "probe");

        var missing = await Assert.ThrowsAsync<ActorDispatchException>(async () =>
        {
            await foreach (var _ in Engine.ListenAsync(Ns, "nope")) { }
        });
        Assert.Equal(ErrorKind.NotFound, missing.Kind);

        var foreign = await Assert.ThrowsAsync<ActorDispatchException>(async () =>
        {
            await foreach (var _ in Engine.ListenAsync(Ns, "remote")) { }
        });
        Assert.Contains("'probe'", foreign.Message);
    }
}

public sealed class InProcessTransportSpecOnSqlite(ITestOutputHelper output) : InProcessTransportSpec(output, StoreKind.Sqlite);

[Trait("Category", "Postgres")]
public sealed class InProcessTransportSpecOnPostgres(ITestOutputHelper output) : InProcessTransportSpec(output, StoreKind.Postgres);
