using System.Diagnostics;
using System.Diagnostics.Metrics;
using ActorDispatch.Diagnostics;

namespace ActorDispatch.Tests.Model;

/// <summary>The per-engine registries the gauges read, and the gauges read through a listener of one engine's meter.</summary>
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

        // Counters record with prebuilt tags; an ephemeral subscription would share one label value.
        var counted = new List<(string Name, long Value, KeyValuePair<string, object?>[] Tags)>();
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => counted.Add((instrument.Name, value, tags.ToArray())));
        var instruments = metrics.For("ns1", "app1", "websockets");
        instruments.Delivered(3, redelivery: true);
        instruments.Rejected();
        Assert.Equal(["actordispatch.deliveries", "actordispatch.redeliveries", "actordispatch.delivery.responses"], counted.Select(c => c.Name).ToArray());
        Assert.Equal(3, counted[0].Value);
        Assert.Contains(new KeyValuePair<string, object?>("transport", "websockets"), counted[0].Tags);
        Assert.Contains(new KeyValuePair<string, object?>("outcome", "reject"), counted[2].Tags);
    }
}
