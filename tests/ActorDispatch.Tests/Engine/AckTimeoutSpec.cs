using System.Diagnostics;
using ActorDispatch.Model;
using ActorDispatch.Tests.Support;

namespace ActorDispatch.Tests.Engine;

public abstract class AckTimeoutSpec(ITestOutputHelper output, StoreKind store) : EngineSpec(output, store)
{
    private static readonly TimeSpan AckTimeout = TimeSpan.FromMilliseconds(400);

    private static SubscriptionOptions WithAckTimeout => new() { AckTimeout = $"{AckTimeout.TotalMilliseconds:0}ms" };

    [SkippableFact]
    public async Task A_delivery_not_answered_within_ackTimeout_fails_like_a_reject_and_is_redelivered()
    {
        await AppendManyAsync(2);
        await CreateSubscriptionAsync("app1", readAhead: 1, options: WithAckTimeout);
        var conn = Connect("app1");
        var clock = Stopwatch.StartNew();
        ExpectDelivery(1);
        Transport.Ack(conn, ExpectDelivery(2).Event.Id); // acked after a gap that never fills

        // Rewound to the committed offset (0): both are delivered again, the acked one too.
        var again = ExpectDelivery(1, TimeSpan.FromSeconds(5));
        Assert.True(clock.Elapsed >= AckTimeout, $"redelivered after {clock.Elapsed.TotalMilliseconds:0} ms, before the ackTimeout");
        var second = ExpectDelivery(2);
        Transport.Ack(conn, again.Event.Id);
        Transport.Ack(conn, second.Event.Id);
        await AppendManyAsync(1);
        Transport.Ack(conn, ExpectDelivery(3).Event.Id);
        await AwaitOffsetAsync("app1", 3);
        Assert.Equal(2, (await Engine.GetSubscriptionStatusAsync(Ns, "app1")).Redelivered);
    }

    [SkippableFact]
    public async Task Answered_deliveries_never_time_out_later_however_long_the_subscription_runs()
    {
        // Answers come at once; then the subscription idles past every deadline they had, twice over.
        // A longer timeout than the other specs': each answer has room for a slow test thread.
        var timeout = TimeSpan.FromSeconds(1.5);
        await CreateSubscriptionAsync("app1", readAhead: 3, options: new SubscriptionOptions { AckTimeout = "1500ms" });
        var conn = Connect("app1");
        long sequence = 0;
        for (var round = 0; round < 2; round++)
        {
            await AppendManyAsync(10);
            for (var i = 0; i < 10; i++) Transport.Ack(conn, ExpectDelivery(++sequence).Event.Id);
            Deliveries.ExpectNoMsg(timeout + TimeSpan.FromMilliseconds(500));
        }
        await AwaitOffsetAsync("app1", 20);
        Assert.Equal(0, (await Engine.GetSubscriptionStatusAsync(Ns, "app1")).Redelivered);
    }

    [SkippableFact]
    public async Task Without_ackTimeout_an_unanswered_delivery_waits_for_its_answer()
    {
        await AppendManyAsync(1);
        await CreateSubscriptionAsync("app1");
        var conn = Connect("app1");
        var delivered = ExpectDelivery(1);
        Deliveries.ExpectNoMsg(AckTimeout * 3);
        Transport.Ack(conn, delivered.Event.Id);
        await AwaitOffsetAsync("app1", 1);
    }
}

public sealed class AckTimeoutSpecOnSqlite(ITestOutputHelper output) : AckTimeoutSpec(output, StoreKind.Sqlite);

[Trait("Category", "Postgres")]
public sealed class AckTimeoutSpecOnPostgres(ITestOutputHelper output) : AckTimeoutSpec(output, StoreKind.Postgres);
