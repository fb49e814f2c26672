using System.Diagnostics;
using System.Diagnostics.Metrics;
using ActorDispatch.Diagnostics;

namespace ActorDispatch.Tests.Model;

/// <summary>The per-engine registries the gauges and delivery counters read, and both read through a listener of one engine's meter.</summary>
public sealed class SubscriptionMetricsTests
{
    private static readonly Guid Id = Guid.NewGuid();

    [Fact]
    public void Lag_is_the_head_minus_the_committed_offset_and_waits_for_a_known_head()
    {
        var gauges = new SubscriptionGauges();
        var heads = new NamespaceHeads();
        gauges.Track(Id, "ns1", "app1").Offsets(committed: 3, parked: 2);

        Assert.Empty(gauges.Lag(heads)); // no head seen yet: no guess

        heads.Seen("ns1", 10);
        heads.Seen("ns1", 7); // a stale writer never moves the head back
        var lag = Assert.Single(gauges.Lag(heads));
        Assert.Equal(7, lag.Value);
        Assert.Equal([new("namespace", "ns1"), new("subscription", "app1")], lag.Tags.ToArray());
        Assert.Equal(2, Assert.Single(gauges.Parked()).Value);
    }

    [Fact]
    public void A_stopping_incarnation_untracks_only_its_own_figures()
    {
        var gauges = new SubscriptionGauges();
        var old = gauges.Track(Id, "ns1", "app1");
        var current = gauges.Track(Id, "ns1", "app1"); // the restarted actor

        gauges.Untrack(old);
        Assert.Same(current, gauges.Find(Id));

        gauges.Untrack(current);
        Assert.Null(gauges.Find(Id));
        Assert.Equal(0, gauges.Count);
    }

    [Fact]
    public void The_window_reports_what_is_in_flight_and_the_age_of_the_oldest()
    {
        var figures = new SubscriptionGauges().Track(Id, "ns1", "app1");
        var now = Stopwatch.GetTimestamp();

        figures.Window(3, now - Stopwatch.Frequency * 2);
        Assert.Equal(3, figures.InFlight);
        Assert.Equal(2, figures.OldestUnackedAge(now)!.Value, precision: 3);

        figures.Window(0, null);
        Assert.Null(figures.OldestUnackedAge(now));
    }

    [Fact]
    public void The_gauges_of_one_engine_read_its_registries()
    {
        using var metrics = new ActorDispatchMetrics();
        metrics.Heads.Seen("ns1", 42);
        metrics.Subscriptions.Track(Id, "ns1", "app1").Offsets(committed: 40, parked: 0);
        metrics.Connections.Set("websockets", 2);

        var seen = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Equal(2, seen["actordispatch.subscription.lag"]);
        Assert.Equal(0, seen["actordispatch.subscription.in_flight"]);
        Assert.Equal(2, seen["actordispatch.connections"]);

        // The delivery counters are read from the engine's series when collected, like the gauges.
        var counted = new List<(string Name, long Value, KeyValuePair<string, object?>[] Tags)>();
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name is "actordispatch.deliveries" or "actordispatch.redeliveries" or "actordispatch.delivery.responses") counted.Add((instrument.Name, value, tags.ToArray()));
        });
        var instruments = metrics.For("ns1", "app1", "websockets");
        instruments.Delivered(3, redelivery: true);
        instruments.Rejected();
        listener.RecordObservableInstruments();
        Assert.Equal(["actordispatch.deliveries", "actordispatch.delivery.responses", "actordispatch.redeliveries"], counted.Select(c => c.Name).Order().ToArray());
        var deliveries = counted.Single(c => c.Name == "actordispatch.deliveries");
        Assert.Equal(3, deliveries.Value);
        Assert.Contains(new KeyValuePair<string, object?>("transport", "websockets"), deliveries.Tags);
        Assert.Contains(new KeyValuePair<string, object?>("outcome", "reject"), counted.Single(c => c.Name == "actordispatch.delivery.responses").Tags);
    }

    [Fact]
    public void Delivery_counts_outlive_their_dispatchers_and_add_up_across_transports()
    {
        var counts = new DeliveryCounts();
        var first = counts.For("ns1", "app1", "websockets");
        first.AddDelivered(2, redelivery: false);
        first.AddAck();
        // A later dispatcher of the same series (a restart) counts on from where the first stopped.
        Assert.Same(first, counts.For("ns1", "app1", "websockets"));
        counts.For("ns1", "app1", "websockets").AddAck();
        // The same subscription over another transport: its own deliveries, answers added up.
        var webhooks = counts.For("ns1", "app1", "webhooks");
        webhooks.AddDelivered(1, redelivery: true);
        webhooks.AddAck();
        counts.For("ns1", "idle", "websockets");

        Assert.Equal([(1L, "webhooks"), (2L, "websockets")], counts.Deliveries().Select(m => (m.Value, (string)Tag(m, "transport")!)).OrderBy(d => d.Item2).ToArray());
        var responses = Assert.Single(counts.Responses());
        Assert.Equal(3, responses.Value);
        Assert.Equal("ack", Tag(responses, "outcome"));
        Assert.Equal("app1", Tag(responses, "subscription"));
        Assert.Equal([1L], counts.Redeliveries().Select(m => m.Value).ToArray());
    }

    [Fact]
    public void Delivery_counts_stop_making_series_at_the_limit()
    {
        var counts = new DeliveryCounts();
        for (var i = 0; i < DeliveryCounts.MaxSeries; i++) counts.For("ns1", $"s{i}", "websockets").AddDelivered(1, redelivery: false);
        var beyond = counts.For("ns1", "one-too-many", "websockets");
        beyond.AddDelivered(1, redelivery: false);
        Assert.Equal("one-too-many", beyond.SubscriptionTag.Value); // the latency histogram still has its labels
        counts.For("ns1", "s0", "websockets").AddDelivered(1, redelivery: false);

        var deliveries = counts.Deliveries().ToList();
        Assert.Equal(DeliveryCounts.MaxSeries, deliveries.Count);
        Assert.DoesNotContain(deliveries, m => Tag(m, "subscription") is "one-too-many");
        Assert.Equal(2, deliveries.Single(m => Tag(m, "subscription") is "s0").Value);
    }

    private static object? Tag(Measurement<long> measurement, string name)
    {
        foreach (var tag in measurement.Tags) if (tag.Key == name) return tag.Value;
        return null;
    }
}
