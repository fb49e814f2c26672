using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports.WebSockets.Tests.Support;

namespace ActorDispatch.Transports.WebSockets.Tests.Specs;

/// <summary>Durable subscriptions over the socket: attach, resume, failover, windows, acks, rejects, batches.</summary>
public sealed class DurableSubscriptionSpec(WebSocketServer server, ITestOutputHelper output) : WebSocketSpec(server), IClassFixture<WebSocketServer>
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task Ten_thousand_events_arrive_in_order_once_each_with_readAhead_100()
    {
        const int total = 10_000;
        await CreateAsync("bulk", readAhead: 100);
        for (var i = 0; i < total / 1000; i++) await AppendAsync(1000);
        await using var client = await AttachAsync("bulk");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (long sequence = 1; sequence <= total; sequence++)
        {
            var delivery = await client.ReceiveEventAsync(sequence);
            await client.SendAsync(new { type = "ack", id = IdOf(delivery) });
        }
        await AwaitOffsetAsync("bulk", total);
        output.WriteLine($"{total} events received and acked one by one in {clock.Elapsed.TotalSeconds:0.00}s ({total / clock.Elapsed.TotalSeconds:0} events/s)");
        await client.ExpectNoFrameAsync(Quiet);
    }

    [Fact]
    public async Task A_client_that_stops_answering_gets_the_delivery_again_after_ackTimeout()
    {
        await CreateAsync("silent", options: new SubscriptionOptions { AckTimeout = "1s" });
        await using var client = await AttachAsync("silent");
        await AppendAsync(1);

        var first = await client.ReceiveEventAsync(1);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var again = await client.ReceiveEventAsync(1); // never answered: sent again
        Assert.True(clock.ElapsedMilliseconds >= 950, $"redelivered after {clock.ElapsedMilliseconds} ms");
        Assert.Equal(IdOf(first), IdOf(again));
        await client.AckAsync(again);
        await AwaitOffsetAsync("silent", 1);
        await client.ExpectNoFrameAsync(Quiet);
    }

    [Fact]
    public async Task Resume_after_reconnect_loses_nothing_and_redelivers_nothing_acked()
    {
        await CreateAsync("app1");
        await AppendAsync(5);

        await using (var first = await AttachAsync("app1"))
        {
            await first.ReceiveAndAckAsync(1, 2);
            await first.ReceiveEventAsync(3); // left unacked
            await AwaitOffsetAsync("app1", 2);
        }

        await using var second = await AttachAsync("app1");
        await second.ReceiveAndAckAsync(3, 4, 5);
        await AwaitOffsetAsync("app1", 5);
        await second.ExpectNoFrameAsync(Quiet);
    }

    [Fact]
    public async Task Start_message_attaches_to_a_durable_subscription()
    {
        var subscription = await CreateAsync("app1");
        await using var client = await ConnectAsync();
        await client.SendAsync(new { type = "start", @namespace = Ns, name = "app1", autoack = false });
        await AwaitStartedAsync(client);
        var appended = await AppendAsync(1);

        var delivery = await client.ReceiveEventAsync(1);
        Assert.Equal(appended[0].Id, IdOf(delivery));
        Assert.Equal("order_created", delivery.GetProperty("type").GetString());
        Assert.Equal(Ns, delivery.GetProperty("namespace").GetString());
        Assert.Equal(subscription.Id, delivery.GetProperty("subscription").GetProperty("id").GetGuid());
        Assert.Equal("app1", delivery.GetProperty("subscription").GetProperty("name").GetString());
        Assert.False(delivery.TryGetProperty("data", out _), "withData defaults to false");

        await client.AckAsync(delivery);
        await AwaitOffsetAsync("app1", 1);
    }

    [Fact]
    public async Task Two_connections_on_one_subscription_one_is_active_and_the_other_takes_over_when_it_closes()
    {
        await CreateAsync("shared");
        await using var active = await AttachAsync("shared");
        await using var standby = await AttachAsync("shared");
        await AppendAsync(3);

        await active.ReceiveAndAckAsync(1);
        await active.ReceiveEventAsync(2); // in flight when it goes
        await standby.ExpectNoFrameAsync(Quiet);
        Assert.Equal(StatusOf(active)!.Id, (await Dispatch.GetSubscriptionStatusAsync(Ns, "shared")).Connection);

        await active.CloseAsync();

        await standby.ReceiveAndAckAsync(2, 3);
        await AwaitOffsetAsync("shared", 3);
        Assert.Equal(StatusOf(standby)!.Id, (await Dispatch.GetSubscriptionStatusAsync(Ns, "shared")).Connection);
    }

    [Fact]
    public async Task Autoack_acks_each_delivery_once_written_so_the_window_never_fills()
    {
        await CreateAsync("auto", readAhead: 0);
        await using var client = await AttachAsync("auto", autoAck: true);
        await AppendAsync(5);

        for (var sequence = 1; sequence <= 5; sequence++) await client.ReceiveEventAsync(sequence);
        await AwaitOffsetAsync("auto", 5);
        var status = StatusOf(client)!;
        Assert.True(status.AutoAck);
        Assert.Equal(0, status.InFlight);
    }

    [Fact]
    public async Task Autoack_set_by_a_start_message_applies_to_the_connection()
    {
        await CreateAsync("auto");
        await using var client = await ConnectAsync();
        await client.SendAsync(new { type = "start", @namespace = Ns, name = "auto", autoack = true });
        await AwaitStartedAsync(client);
        await AppendAsync(3);

        for (var sequence = 1; sequence <= 3; sequence++) await client.ReceiveEventAsync(sequence);
        await AwaitOffsetAsync("auto", 3);
    }

    [Theory]
    [InlineData("id")]
    [InlineData("id and subscription id")]
    [InlineData("id and subscription namespace and name")]
    [InlineData("no id: the oldest in flight")]
    [InlineData("no id, with subscription")]
    public async Task Ack_variants_answer_the_delivery_they_name(string variant)
    {
        var subscription = await CreateAsync("acks", readAhead: 1);
        await using var client = await AttachAsync("acks");
        await AppendAsync(2);
        var first = await client.ReceiveEventAsync(1);
        await client.ReceiveEventAsync(2);

        var id = IdOf(first).ToString();
        object ack = variant switch
        {
            "id" => new { type = "ack", id },
            "id and subscription id" => new { type = "ack", id, subscription = new { id = subscription.Id } },
            "id and subscription namespace and name" => new { type = "ack", id, subscription = new { @namespace = Ns, name = "acks" } },
            "no id: the oldest in flight" => new { type = "ack" },
            "no id, with subscription" => new { type = "ack", subscription = new { @namespace = Ns, name = "acks" } },
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        await client.SendAsync(ack);

        await AwaitOffsetAsync("acks", 1); // the first, and only the first
        Assert.Equal(1, StatusOf(client)!.InFlight);
    }

    [Fact]
    public async Task One_event_in_flight_on_two_subscriptions_of_a_connection_is_acked_per_subscription()
    {
        var left = await CreateAsync("left");
        await CreateAsync("right");
        await using var client = await ConnectAsync();
        await client.SendAsync(new { type = "start", @namespace = Ns, name = "left" });
        await client.SendAsync(new { type = "start", @namespace = Ns, name = "right" });
        await AwaitStartedAsync(client, 2);
        var appended = await AppendAsync(1);

        var deliveries = new[] { await client.ReceiveAsync(), await client.ReceiveAsync() };
        Assert.All(deliveries, d => Assert.Equal(appended[0].Id, IdOf(d)));
        Assert.Equal(["left", "right"], deliveries.Select(d => d.GetProperty("subscription").GetProperty("name").GetString()).Order());

        await client.SendAsync(new { type = "ack", id = appended[0].Id, subscription = new { id = left.Id } });
        await AwaitOffsetAsync("left", 1);
        Assert.Equal(0, await OffsetAsync("right"));

        await client.SendAsync(new { type = "ack", id = appended[0].Id, subscription = new { @namespace = Ns, name = "right" } });
        await AwaitOffsetAsync("right", 1);
    }

    [Fact]
    public async Task A_late_ack_for_an_id_not_in_flight_is_ignored_and_the_connection_keeps_working()
    {
        await CreateAsync("late");
        await AppendAsync(1);
        JsonElement delivered;
        await using (var before = await AttachAsync("late"))
        {
            delivered = await before.ReceiveEventAsync(1);
            await before.AckAsync(delivered);
            await AwaitOffsetAsync("late", 1);
        }

        await using var after = await AttachAsync("late");
        // As FireFly's SDK does after reconnecting: acks for deliveries of the earlier connection.
        await after.AckAsync(delivered);
        await after.SendAsync(new { type = "ack", id = Guid.NewGuid() });
        await AppendAsync(1);

        await after.ReceiveAndAckAsync(2);
        await AwaitOffsetAsync("late", 2);
    }

    [Fact]
    public async Task ReadAhead_window_bounds_the_unacked_frames_on_the_socket()
    {
        await CreateAsync("window", readAhead: 2);
        await using var client = await AttachAsync("window");
        await AppendAsync(10);

        var first = await client.ReceiveEventAsync(1);
        await client.ReceiveEventAsync(2);
        await client.ReceiveEventAsync(3);
        await client.ExpectNoFrameAsync(Quiet); // 1 + readAhead = 3 unacked
        Assert.Equal(3, StatusOf(client)!.InFlight);

        await client.AckAsync(first);
        await client.ReceiveEventAsync(4);
        await client.ExpectNoFrameAsync(Quiet);
    }

    [Fact]
    public async Task Out_of_order_acks_move_the_offset_only_once_the_gap_fills()
    {
        await CreateAsync("gaps", readAhead: 2);
        await using var client = await AttachAsync("gaps");
        await AppendAsync(5);
        var e1 = await client.ReceiveEventAsync(1);
        var e2 = await client.ReceiveEventAsync(2);
        var e3 = await client.ReceiveEventAsync(3);

        await client.AckAsync(e3);
        await client.AckAsync(e2);
        // The freed window proves both acks arrived; the offset waits for 1.
        await client.ReceiveEventAsync(4);
        await client.ReceiveEventAsync(5);
        Assert.Equal(0, await OffsetAsync("gaps"));

        await client.AckAsync(e1);
        await AwaitOffsetAsync("gaps", 3);
    }

    [Theory]
    [InlineData("ack rejected")]
    [InlineData("nack")]
    public async Task A_reject_rewinds_to_the_committed_offset_and_replays_what_was_acked_after_the_gap(string how)
    {
        await CreateAsync("rewind", readAhead: 2);
        await using var client = await AttachAsync("rewind");
        await AppendAsync(3);
        var e1 = await client.ReceiveEventAsync(1);
        var e2 = await client.ReceiveEventAsync(2);
        var e3 = await client.ReceiveEventAsync(3);
        await client.AckAsync(e1);
        await client.AckAsync(e3); // acked after the gap at 2
        await AwaitOffsetAsync("rewind", 1);

        await client.SendAsync(how == "nack"
            ? (object)new { type = "nack", id = IdOf(e2) }
            : new { type = "ack", id = IdOf(e2), rejected = true, info = "not now" });

        await client.ReceiveAndAckAsync(2, 3);
        await AwaitOffsetAsync("rewind", 3);
    }

    [Fact]
    public async Task An_ack_without_id_after_a_reject_answers_the_replay_not_the_forgotten_delivery()
    {
        await CreateAsync("replay", readAhead: 1);
        await using var client = await AttachAsync("replay");
        await AppendAsync(2);
        var e1 = await client.ReceiveEventAsync(1);
        await client.ReceiveEventAsync(2);

        await client.SendAsync(new { type = "nack", id = IdOf(e1) });
        await client.ReceiveEventAsync(1);
        await client.ReceiveEventAsync(2);
        Assert.Equal(2, StatusOf(client)!.InFlight);

        await client.SendAsync(new { type = "ack" });
        await client.SendAsync(new { type = "ack" });
        await AwaitOffsetAsync("replay", 2);
        Assert.Equal(0, StatusOf(client)!.InFlight);
    }

    [Fact]
    public async Task A_batch_subscription_sends_event_batch_frames_acked_by_the_batch_id()
    {
        var subscription = await CreateAsync("batched", options: new SubscriptionOptions { Batch = true, BatchSize = 3, BatchTimeout = "100ms" });
        await using var client = await AttachAsync("batched");
        var appended = await AppendAsync(3);

        var batch = await client.ReceiveAsync();
        Assert.Equal("event_batch", batch.GetProperty("type").GetString());
        Assert.Equal(subscription.Id, batch.GetProperty("subscription").GetProperty("id").GetGuid());
        var events = batch.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(appended.Select(e => e.Id), events.Select(IdOf));
        Assert.All(events, e => Assert.Equal(subscription.Id, e.GetProperty("subscription").GetProperty("id").GetGuid()));

        await client.SendAsync(new { type = "ack", id = IdOf(batch) });
        await AwaitOffsetAsync("batched", 3);
    }

    [Fact]
    public async Task WithData_puts_the_payload_in_the_delivery()
    {
        await CreateAsync("data", options: new SubscriptionOptions { WithData = true });
        await using var client = await AttachAsync("data");
        await AppendAsync(1, _ => new NewEvent { Type = "with_payload", Data = JsonSerializer.SerializeToElement(new { amount = 42 }) });

        var delivery = await client.ReceiveEventAsync(1);
        Assert.Equal(42, delivery.GetProperty("data").GetProperty("amount").GetInt32());
    }

    [Fact]
    public async Task An_ack_with_a_reply_appends_an_event_correlated_to_the_delivered_one()
    {
        await CreateAsync("replies");
        await using var client = await AttachAsync("replies");
        var appended = await AppendAsync(1);

        var delivery = await client.ReceiveEventAsync(1);
        await client.SendAsync(new { type = "ack", id = IdOf(delivery), reply = new { type = "order_confirmed", topic = "orders" } });

        await Eventually(async () =>
        {
            var events = await Dispatch.ReadEventsAsync(Ns, 2, 1);
            var reply = Assert.Single(events);
            Assert.Equal("order_confirmed", reply.Type);
            Assert.Equal(appended[0].Id, reply.Correlator);
        }, "the reply event");
        await AwaitOffsetAsync("replies", 1);
    }

    [Fact]
    public async Task On_an_autoack_connection_an_ack_with_id_is_ignored_as_not_in_flight()
    {
        await CreateAsync("auto");
        await using var client = await AttachAsync("auto", autoAck: true);
        await AppendAsync(1);
        var delivery = await client.ReceiveEventAsync(1);

        await client.AckAsync(delivery);
        await AppendAsync(1);
        await client.ReceiveEventAsync(2);
        await AwaitOffsetAsync("auto", 2);
    }

    [Fact]
    public async Task Binary_frames_are_read_as_json_like_text_frames()
    {
        await CreateAsync("binary");
        await using var client = await ConnectAsync();
        await client.SendBinaryAsync(JsonSerializer.Serialize(new { type = "start", @namespace = Ns, name = "binary" }));
        await AwaitStartedAsync(client);
        await AppendAsync(1);
        var delivery = await client.ReceiveEventAsync(1);

        await client.SendBinaryAsync(JsonSerializer.Serialize(new { type = "ack", id = IdOf(delivery) }));
        await AwaitOffsetAsync("binary", 1);
    }
}
