using System.Diagnostics;
using ActorDispatch.Model;
using ActorDispatch.Tests.Support;
using Akka.Actor;

namespace ActorDispatch.Tests.Engine;

/// <summary>maxDeliveries and parking, backoff, nack delays, replay and discard of parked events, reset and pause.</summary>
public abstract class DeliveryControlSpec(ITestOutputHelper output, StoreKind store) : EngineSpec(output, store)
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(400);

    private Task<Subscription> CreateAsync(string name, int maxDeliveries = 0, string[]? backoff = null, string firstEvent = "oldest") =>
        CreateSubscriptionAsync(name, firstEvent, options: new SubscriptionOptions { MaxDeliveries = maxDeliveries, Backoff = backoff });

    // Rejects every delivery of `sequence`, acks the others, until `until` is acked; returns how often `sequence` came.
    private int RejectAlways(string conn, long sequence, long until)
    {
        var attempts = 0;
        while (true)
        {
            var d = Deliveries.ExpectMsg<ProbeTransport.Delivered>(TimeSpan.FromSeconds(10));
            if (d.Event.Sequence == sequence)
            {
                attempts++;
                Transport.Reject(conn, d.Event.Id, "bad event");
                continue;
            }
            Transport.Ack(conn, d.Event.Id);
            if (d.Event.Sequence == until) return attempts;
        }
    }

    [SkippableFact]
    public async Task An_event_that_always_fails_is_sent_maxDeliveries_times_then_parked_and_the_rest_flows()
    {
        await AppendManyAsync(4);
        await CreateAsync("app1", maxDeliveries: 3);
        var conn = Connect("app1");

        Assert.Equal(3, RejectAlways(conn, sequence: 2, until: 4));

        await AwaitOffsetAsync("app1", 4);
        var parked = Assert.Single(await Engine.GetParkedEventsAsync(Ns, "app1"));
        Assert.Equal(2, parked.Sequence);
        Assert.Equal(3, parked.Deliveries);
        Assert.Contains("bad event", parked.Reason);
        var status = await Engine.GetSubscriptionStatusAsync(Ns, "app1");
        Assert.Equal(1, status.Parked);
        Deliveries.ExpectNoMsg(Quiet);
    }

    [SkippableFact]
    public async Task Backoff_sets_the_pause_before_each_redelivery_and_its_last_step_repeats()
    {
        await AppendManyAsync(1);
        await CreateAsync("app1", backoff: ["100ms", "1500ms"]);
        var conn = Connect("app1");

        var pauses = new List<TimeSpan>();
        var d = ExpectDelivery(1);
        for (var i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            Transport.Reject(conn, d.Event.Id);
            d = ExpectDelivery(1, TimeSpan.FromSeconds(10));
            pauses.Add(clock.Elapsed);
        }
        Transport.Ack(conn, d.Event.Id);

        // The first step, not the second (with room for a slow machine); then the second, twice.
        Assert.InRange(pauses[0].TotalMilliseconds, 95, 1400);
        Assert.True(pauses[1].TotalMilliseconds >= 1490, $"second pause {pauses[1].TotalMilliseconds:0} ms");
        Assert.True(pauses[2].TotalMilliseconds >= 1490, $"third pause {pauses[2].TotalMilliseconds:0} ms");
        await AwaitOffsetAsync("app1", 1);
    }

    [SkippableFact]
    public async Task A_nack_with_a_delay_is_redelivered_no_sooner_than_that()
    {
        await AppendManyAsync(1);
        await CreateAsync("app1");
        var conn = Connect("app1");
        var d = ExpectDelivery(1);

        var clock = Stopwatch.StartNew();
        Transport.Reject(conn, d.Event.Id, "later", delay: TimeSpan.FromMilliseconds(700));
        Transport.Ack(conn, ExpectDelivery(1, TimeSpan.FromSeconds(5)).Event.Id);

        Assert.True(clock.ElapsedMilliseconds >= 690, $"redelivered after {clock.ElapsedMilliseconds} ms");
        await AwaitOffsetAsync("app1", 1);
    }

    [SkippableFact]
    public async Task A_replayed_parked_event_goes_ahead_of_the_live_stream_leaves_the_list_once_acked_and_is_parked_again_if_it_fails_again()
    {
        await AppendManyAsync(3);
        await CreateAsync("app1", maxDeliveries: 1);
        var conn = Connect("app1");
        Assert.Equal(1, RejectAlways(conn, sequence: 2, until: 3));
        await AwaitAssertAsync(async () => Assert.Single(await Engine.GetParkedEventsAsync(Ns, "app1")));

        // Replayed and rejected again: parked again, with both attempts counted.
        Assert.Equal(1, await Engine.ReplayParkedEventsAsync(Ns, "app1"));
        Transport.Reject(conn, ExpectDelivery(2).Event.Id, "still bad");
        await AwaitAssertAsync(async () => Assert.Equal(2, Assert.Single(await Engine.GetParkedEventsAsync(Ns, "app1")).Deliveries));

        // Replayed while live events wait: it comes first, then the live stream goes on.
        var live = await Engine.AppendAsync(Ns, NewEvent());
        Transport.Ack(conn, ExpectDelivery(4).Event.Id);
        await Engine.AppendAsync(Ns, [NewEvent(), NewEvent()]);
        await Engine.ReplayParkedEventsAsync(Ns, "app1", [2]);
        var next = Deliveries.ExpectMsg<ProbeTransport.Delivered>(TimeSpan.FromSeconds(5));
        if (next.Event.Sequence == 5) // the live delivery already in flight when the replay came
        {
            Transport.Ack(conn, next.Event.Id);
            next = Deliveries.ExpectMsg<ProbeTransport.Delivered>(TimeSpan.FromSeconds(5));
        }
        Assert.Equal(2, next.Event.Sequence);
        Transport.Ack(conn, next.Event.Id);
        Transport.Ack(conn, Deliveries.ExpectMsg<ProbeTransport.Delivered>(TimeSpan.FromSeconds(5)).Event.Id);
        await AwaitAssertAsync(async () => Assert.Empty(await Engine.GetParkedEventsAsync(Ns, "app1")));
        Assert.Equal(4, live.Sequence);
    }

    [SkippableFact]
    public async Task Parked_events_can_be_discarded_one_or_all()
    {
        await AppendManyAsync(4);
        await CreateAsync("app1", maxDeliveries: 1);
        var conn = Connect("app1");
        for (var i = 1; i <= 4; i++)
        {
            var d = ExpectDelivery(i);
            if (i == 4) Transport.Ack(conn, d.Event.Id);
            else Transport.Reject(conn, d.Event.Id);
        }
        await AwaitAssertAsync(async () => Assert.Equal([1L, 2L, 3L], (await Engine.GetParkedEventsAsync(Ns, "app1")).Select(p => p.Sequence)));
        Assert.Equal([2L], (await Engine.GetParkedEventsAsync(Ns, "app1", skip: 1, limit: 1)).Select(p => p.Sequence));

        Assert.Equal(1, await Engine.DiscardParkedEventsAsync(Ns, "app1", [2, 99]));
        Assert.Equal([1L, 3L], (await Engine.GetParkedEventsAsync(Ns, "app1")).Select(p => p.Sequence));
        Assert.Equal(2, await Engine.DiscardParkedEventsAsync(Ns, "app1"));
        Assert.Empty(await Engine.GetParkedEventsAsync(Ns, "app1"));
        Assert.Equal(0, (await Engine.GetSubscriptionStatusAsync(Ns, "app1")).Parked);
        Deliveries.ExpectNoMsg(Quiet);
    }

    [SkippableFact]
    public async Task Reset_moves_the_next_delivery_to_a_sequence_a_time_oldest_or_newest_durably_before_it_answers()
    {
        var events = new List<Event>();
        for (var i = 0; i < 5; i++) events.Add(await Engine.AppendAsync(Ns, NewEvent())); // one write each: each its own time
        Assert.True(events[2].Created < events[3].Created);
        await CreateAsync("app1");
        var conn = Connect("app1");
        for (var i = 1; i <= 5; i++) Transport.Ack(conn, ExpectDelivery(i).Event.Id);
        await AwaitOffsetAsync("app1", 5);

        Assert.Equal(1, await Engine.ResetSubscriptionAsync(Ns, "app1", "2"));
        Assert.Equal(1, await CommittedOffsetAsync("app1"));
        Transport.Ack(conn, ExpectDelivery(2).Event.Id);
        var three = ExpectDelivery(3); // in flight when the next reset lands: dropped

        Assert.Equal(3, await Engine.ResetSubscriptionAsync(Ns, "app1", events[3].Created.ToString("O")));
        Transport.Ack(conn, three.Event.Id); // late: ignored
        Transport.Ack(conn, ExpectDelivery(4).Event.Id);
        Transport.Ack(conn, ExpectDelivery(5).Event.Id);

        Assert.Equal(5, await Engine.ResetSubscriptionAsync(Ns, "app1", "newest"));
        Deliveries.ExpectNoMsg(Quiet);
        Assert.Equal(0, await Engine.ResetSubscriptionAsync(Ns, "app1", "oldest"));
        ExpectDelivery(1);

        var ex = await Assert.ThrowsAsync<ActorDispatchException>(async () => await Engine.ResetSubscriptionAsync(Ns, "app1", "yesterday"));
        Assert.Contains("'firstEvent'", ex.Message);
        var missing = await Assert.ThrowsAsync<ActorDispatchException>(async () => await Engine.ResetSubscriptionAsync(Ns, "nope", "oldest"));
        Assert.Equal(ErrorKind.NotFound, missing.Kind);
    }

    [SkippableFact]
    public async Task A_paused_subscription_delivers_nothing_keeps_its_offset_and_stays_paused_after_a_restart()
    {
        await AppendManyAsync(1);
        await CreateAsync("app1");
        var conn = Connect("app1");
        Transport.Ack(conn, ExpectDelivery(1).Event.Id);
        await AwaitOffsetAsync("app1", 1);

        await Engine.PauseSubscriptionAsync(Ns, "app1");
        await Engine.AppendAsync(Ns, NewEvent());
        Deliveries.ExpectNoMsg(Quiet);
        var status = await Engine.GetSubscriptionStatusAsync(Ns, "app1");
        Assert.True(status.Paused);
        Assert.Equal(1, status.CurrentOffset);
        await Sys.Terminate();

        var system = ActorSystem.Create("restarted", Compose(Store.Config, null));
        try
        {
            var probe = CreateTestProbe(system);
            var transport = new ProbeTransport(probe);
            var engine = new ActorDispatchEngine(system, [transport]);
            transport.Callbacks.RegisterConnection("again", s => s.Name == "app1");
            await AwaitAssertAsync(async () => Assert.True((await engine.GetSubscriptionStatusAsync(Ns, "app1")).Paused), TimeSpan.FromSeconds(10));
            probe.ExpectNoMsg(Quiet);

            await engine.ResumeSubscriptionAsync(Ns, "app1");
            Assert.Equal(2, probe.ExpectMsg<ProbeTransport.Delivered>(TimeSpan.FromSeconds(10)).Event.Sequence);
            Assert.False((await engine.GetSubscriptionStatusAsync(Ns, "app1")).Paused);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [SkippableFact]
    public async Task Parking_pausing_resuming_and_resetting_are_announced_as_change_events()
    {
        await Transport.Callbacks.EphemeralSubscriptionAsync("listener", Ns, new SubscriptionFilter { Events = "^never$" }, SubscriptionOptions.Empty,
            changeEvents: "^subscriptions$");
        await AppendManyAsync(1);
        var sub = await CreateAsync("app1", maxDeliveries: 1);
        Assert.Equal(ChangeEventType.Created, NextChange().Type);
        var conn = Connect("app1");

        Transport.Reject(conn, ExpectDelivery(1).Event.Id);
        var parked = NextChange();
        Assert.Equal((ChangeEventType.Parked, sub.Id.ToString(), (long?)1), (parked.Type, parked.Id, parked.Sequence));
        await Engine.PauseSubscriptionAsync(Ns, "app1");
        Assert.Equal(ChangeEventType.Paused, NextChange().Type);
        await Engine.ResumeSubscriptionAsync(Ns, "app1");
        Assert.Equal(ChangeEventType.Resumed, NextChange().Type);
        await Engine.ResetSubscriptionAsync(Ns, "app1", "oldest");
        var reset = NextChange();
        Assert.Equal((ChangeEventType.Reset, (long?)0), (reset.Type, reset.Sequence));
    }

    private ChangeEvent NextChange()
    {
        while (true)
        {
            // Deliveries of app1 come on the same probe; only the change events matter here.
            var message = Deliveries.ExpectMsg<object>(TimeSpan.FromSeconds(5));
            if (message is ProbeTransport.ChangeReceived change) return change.Change;
        }
    }

    [SkippableFact]
    public async Task Parked_events_survive_a_restart()
    {
        await AppendManyAsync(2);
        await CreateAsync("app1", maxDeliveries: 1);
        var conn = Connect("app1");
        Transport.Reject(conn, ExpectDelivery(1).Event.Id, "poison");
        Transport.Ack(conn, ExpectDelivery(2).Event.Id);
        await AwaitOffsetAsync("app1", 2);
        await Sys.Terminate();

        var system = ActorSystem.Create("restarted", Compose(Store.Config, null));
        try
        {
            var engine = new ActorDispatchEngine(system, [new ProbeTransport(CreateTestProbe(system))]);
            var parked = Assert.Single(await engine.GetParkedEventsAsync(Ns, "app1"));
            Assert.Equal(1, parked.Sequence);
            Assert.Contains("poison", parked.Reason);
        }
        finally
        {
            await system.Terminate();
        }
    }
}

public sealed class DeliveryControlSpecOnSqlite(ITestOutputHelper output) : DeliveryControlSpec(output, StoreKind.Sqlite);

[Trait("Category", "Postgres")]
public sealed class DeliveryControlSpecOnPostgres(ITestOutputHelper output) : DeliveryControlSpec(output, StoreKind.Postgres);
