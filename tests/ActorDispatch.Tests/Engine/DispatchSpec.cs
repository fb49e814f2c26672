using ActorDispatch.Model;
using ActorDispatch.Tests.Support;

namespace ActorDispatch.Tests.Engine;

public abstract class DispatchSpec(ITestOutputHelper output, StoreKind store)
    : EngineSpec(output, store)
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(400);

    [SkippableFact]
    public async Task Ack_moves_the_offset_only_when_gaps_fill()
    {
        await AppendManyAsync(3);
        await CreateSubscriptionAsync("app1", readAhead: 2);
        var conn = Connect("app1");
        var d1 = ExpectDelivery(1);
        var d2 = ExpectDelivery(2);
        var d3 = ExpectDelivery(3);

        Transport.Ack(conn, d2.Event.Id);
        Transport.Ack(conn, d3.Event.Id);
        await AwaitAssertAsync(async () =>
        {
            var status = await Engine.GetSubscriptionStatusAsync(Ns, "app1");
            Assert.Equal(1, status.InFlight); // both acks are processed...
            Assert.Equal(0, status.CurrentOffset); // ...but event 1 is still a gap
        }, TimeSpan.FromSeconds(5));

        Transport.Ack(conn, d1.Event.Id);
        await AwaitOffsetAsync("app1", 3);
    }

    [SkippableFact]
    public async Task Reject_replays_everything_after_the_committed_offset_including_events_acked_after_the_gap()
    {
        await AppendManyAsync(5);
        await CreateSubscriptionAsync("app1", readAhead: 2);
        var conn = Connect("app1");
        var d1 = ExpectDelivery(1);
        var d2 = ExpectDelivery(2);
        var d3 = ExpectDelivery(3);
        Transport.Ack(conn, d1.Event.Id);
        Transport.Ack(conn, d3.Event.Id);
        await AwaitOffsetAsync("app1", 1);
        ExpectDelivery(4); // the window (2 in flight) has room again
        ExpectDelivery(5);

        Transport.Reject(conn, d2.Event.Id, "cannot process");

        ExpectDelivery(2);
        ExpectDelivery(3); // acked after the gap, delivered again
        ExpectDelivery(4);
        Deliveries.ExpectNoMsg(Quiet);
        Assert.Equal(1, await CommittedOffsetAsync("app1"));
    }

    [SkippableFact]
    public async Task A_delivery_error_from_the_transport_rewinds_like_a_reject()
    {
        await AppendManyAsync(2);
        await CreateSubscriptionAsync("app1");
        Transport.FailDeliveriesWith = "receiver unreachable";
        Connect("app1");
        await AwaitAssertAsync(async () => Assert.True((await Engine.GetSubscriptionStatusAsync(Ns, "app1")).Delivered >= 2),
            TimeSpan.FromSeconds(5)); // delivered, failed, rewound and delivered again

        Transport.FailDeliveriesWith = null;
        var d1 = ExpectDelivery(1);
        Assert.Equal(0, await CommittedOffsetAsync("app1"));
        Assert.NotNull(d1);
    }

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(5)]
    public async Task The_window_never_exceeds_one_plus_readAhead(int readAhead)
    {
        await AppendManyAsync(20);
        await CreateSubscriptionAsync("app1", readAhead: readAhead);
        var conn = Connect("app1");

        var inFlight = Enumerable.Range(1, readAhead + 1).Select(seq => ExpectDelivery(seq)).ToList();
        Deliveries.ExpectNoMsg(Quiet);

        Transport.Ack(conn, inFlight[0].Event.Id);
        ExpectDelivery(readAhead + 2);
        Deliveries.ExpectNoMsg(Quiet);
        var status = await Engine.GetSubscriptionStatusAsync(Ns, "app1");
        Assert.Equal(readAhead + 1, status.InFlight);
    }

    [SkippableFact]
    public async Task FirstEvent_oldest_starts_at_the_first_event()
    {
        await AppendManyAsync(3);
        var sub = await CreateSubscriptionAsync("app1", firstEvent: "oldest");
        Assert.Equal("1", sub.Options.FirstEvent);
        Connect("app1");
        ExpectDelivery(1);
    }

    [SkippableFact]
    public async Task FirstEvent_newest_is_resolved_at_creation_and_delivers_only_later_events()
    {
        await AppendManyAsync(3);
        var sub = await CreateSubscriptionAsync("app1", firstEvent: "newest");
        Assert.Equal("4", sub.Options.FirstEvent);
        Connect("app1");
        Deliveries.ExpectNoMsg(Quiet);

        await Engine.AppendAsync(Ns, NewEvent());
        ExpectDelivery(4);
    }

    [SkippableFact]
    public async Task FirstEvent_number_starts_at_that_sequence()
    {
        await AppendManyAsync(5);
        await CreateSubscriptionAsync("app1", firstEvent: "3");
        Connect("app1");
        ExpectDelivery(3);
    }

    [SkippableTheory]
    [InlineData("events", "^order_", new long[] { 1, 2 })]
    [InlineData("topic", "^eu$", new long[] { 1, 3 })]
    [InlineData("tag", "gold", new long[] { 2 })]
    [InlineData("author", "svc-b", new long[] { 3, 4 })]
    [InlineData("group", "g1", new long[0])]
    [InlineData("transaction.type", "pin", new long[0])]
    [InlineData("conjunction", "", new long[] { 1 })]
    public async Task Each_filter_and_their_conjunction_select_events(string field, string pattern, long[] expected)
    {
        await Engine.AppendAsync(Ns, [
            NewEvent("order_created", "eu", author: "svc-a"),
            NewEvent("order_paid", "us", tag: "gold", author: "svc-a"),
            NewEvent("invoice_sent", "eu", author: "svc-b"),
            NewEvent("invoice_paid", null, author: "svc-b"),
        ]);
        var filter = field switch
        {
            "events" => new SubscriptionFilter { Events = pattern },
            "topic" => new SubscriptionFilter { Topic = pattern },
            "tag" => new SubscriptionFilter { Tag = pattern },
            "author" => new SubscriptionFilter { Author = pattern },
            "group" => new SubscriptionFilter { Group = pattern },
            "transaction.type" => new SubscriptionFilter { TransactionType = pattern },
            _ => new SubscriptionFilter { Events = "^order_", Topic = "eu", Author = "svc-a" },
        };
        await CreateSubscriptionAsync("app1", readAhead: 10, filter: filter);
        var conn = Connect("app1");

        var received = new List<long>();
        foreach (var _ in expected)
        {
            var d = Deliveries.ExpectMsg<ProbeTransport.Delivered>(TimeSpan.FromSeconds(10));
            received.Add(d.Event.Sequence);
            Transport.Ack(conn, d.Event.Id);
        }
        Deliveries.ExpectNoMsg(Quiet);
        Assert.Equal(expected, received);
        await AwaitOffsetAsync("app1", 4); // skipped events move the offset too
    }

    [SkippableFact]
    public async Task WithData_true_delivers_the_payload()
    {
        await Engine.AppendAsync(Ns, NewEvent(data: new { amount = 42 }));
        await CreateSubscriptionAsync("app1", options: new SubscriptionOptions { WithData = true });
        Connect("app1");
        var d = ExpectDelivery(1);
        Assert.Equal(42, d.Event.Data!.Value.GetProperty("amount").GetInt32());
        Assert.Equal(42, d.Data!.Value.GetProperty("amount").GetInt32());
    }

    [SkippableFact]
    public async Task WithData_false_leaves_the_payload_out()
    {
        await Engine.AppendAsync(Ns, NewEvent(data: new { amount = 42 }));
        await CreateSubscriptionAsync("app1", options: new SubscriptionOptions { WithData = false });
        Connect("app1");
        var d = ExpectDelivery(1);
        Assert.Null(d.Event.Data);
        Assert.Null(d.Data);
    }

    [SkippableFact]
    public async Task Batches_fill_up_to_batchSize_and_are_acked_by_batch_id()
    {
        await AppendManyAsync(7);
        await CreateSubscriptionAsync("app1", options: new SubscriptionOptions { Batch = true, BatchSize = 3, BatchTimeout = "10s" });
        var conn = Connect("app1");

        var first = Deliveries.ExpectMsg<ProbeTransport.BatchDelivered>(TimeSpan.FromSeconds(10));
        Assert.Equal([1L, 2, 3], first.Batch.Events.Select(e => e.Event.Sequence));
        Deliveries.ExpectNoMsg(Quiet); // one batch in flight with readAhead 0

        Transport.Ack(conn, first.Batch.Id);
        var second = Deliveries.ExpectMsg<ProbeTransport.BatchDelivered>(TimeSpan.FromSeconds(10));
        Assert.Equal([4L, 5, 6], second.Batch.Events.Select(e => e.Event.Sequence));
        await AwaitOffsetAsync("app1", 3);
    }

    [SkippableFact]
    public async Task A_partial_batch_is_delivered_when_batchTimeout_expires()
    {
        await AppendManyAsync(2);
        await CreateSubscriptionAsync("app1", options: new SubscriptionOptions { Batch = true, BatchSize = 50, BatchTimeout = "200ms" });
        Connect("app1");

        var batch = Deliveries.ExpectMsg<ProbeTransport.BatchDelivered>(TimeSpan.FromSeconds(5));
        Assert.Equal([1L, 2], batch.Batch.Events.Select(e => e.Event.Sequence));
    }

    [SkippableFact]
    public async Task A_reply_is_appended_as_an_event_correlated_to_the_original()
    {
        await Engine.AppendAsync(Ns, NewEvent());
        await CreateSubscriptionAsync("app1");
        var conn = Connect("app1");
        var original = ExpectDelivery(1);

        Transport.Ack(conn, original.Event.Id, new NewEvent { Type = "order_confirmed", Topic = "orders" });

        var reply = ExpectDelivery(2);
        Assert.Equal("order_confirmed", reply.Event.Type);
        Assert.Equal(original.Event.Id, reply.Event.Correlator);
        await AwaitOffsetAsync("app1", 1);
    }

    [SkippableFact]
    public async Task Late_and_duplicate_responses_are_ignored()
    {
        await AppendManyAsync(3);
        await CreateSubscriptionAsync("app1");
        var conn = Connect("app1");
        var d1 = ExpectDelivery(1);

        Transport.Ack(conn, d1.Event.Id);
        Transport.Ack(conn, d1.Event.Id); // duplicate
        var d2 = ExpectDelivery(2);
        Transport.Ack(conn, d1.Event.Id); // late
        Transport.Reject(conn, d1.Event.Id); // late reject must not rewind
        Transport.Ack(conn, Guid.NewGuid()); // never delivered
        Deliveries.ExpectNoMsg(Quiet);
        Assert.Equal(1, await CommittedOffsetAsync("app1"));

        Transport.Ack(conn, d2.Event.Id);
        ExpectDelivery(3);
        await AwaitOffsetAsync("app1", 2);
    }

    [SkippableFact]
    public async Task A_caught_up_subscription_receives_a_new_event_without_waiting_for_a_poll()
    {
        await CreateSubscriptionAsync("app1", firstEvent: "newest");
        var conn = Connect("app1");
        await Engine.AppendAsync(Ns, NewEvent());
        Transport.Ack(conn, ExpectDelivery(1).Event.Id);
        await AwaitOffsetAsync("app1", 1); // caught up: waiting for the log's notification

        await Engine.AppendAsync(Ns, NewEvent());
        // The poll interval here is 500ms: arrival well inside it shows the notification path.
        ExpectDelivery(2, TimeSpan.FromMilliseconds(250));
    }
}

public sealed class DispatchSpecOnSqlite(ITestOutputHelper output) : DispatchSpec(output, StoreKind.Sqlite);

[Trait("Category", "Postgres")]
public sealed class DispatchSpecOnPostgres(ITestOutputHelper output) : DispatchSpec(output, StoreKind.Postgres);
