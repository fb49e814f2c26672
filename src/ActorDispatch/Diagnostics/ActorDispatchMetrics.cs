using System.Diagnostics.Metrics;
using Akka.Actor;

namespace ActorDispatch.Diagnostics;

/// <summary>
/// The engine's instruments, one set per <see cref="ActorSystem"/> (an Akka extension, never a
/// static: tests run several systems in one process, and each counts its own). The appended
/// counter and the histograms are recorded where things happen; the delivery counters and the
/// gauges read what the actors publish into the registries here (<see cref="DeliveryCounts"/>,
/// <see cref="Subscriptions"/>, <see cref="Heads"/>, <see cref="Connections"/>) when a collector
/// asks, so the actors never wait for a scrape. Names use dots; an OpenTelemetry
/// Prometheus exporter turns <c>actordispatch.deliveries</c> into <c>actordispatch_deliveries_total</c>
/// and a unit <c>s</c> into a <c>_seconds</c> suffix; counts carry no unit, so no suffix.
/// </summary>
internal sealed class ActorDispatchMetrics : IExtension, IDisposable
{
    // Seconds, from a fast caught-up delivery to a consumer minutes behind.
    private static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
    private static readonly double[] WriteBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    /// <param name="meterFactory">The host's factory, when there is one: its meters are told apart from other hosts' in one process.</param>
    public ActorDispatchMetrics(IMeterFactory? meterFactory = null)
    {
        var options = new MeterOptions(ActorDispatchMeter.Name);
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(options) ?? new Meter(options);

        EventsAppended = _meter.CreateCounter<long>("actordispatch.events.appended", description: "Events appended and durable, per namespace");
        _meter.CreateObservableCounter("actordispatch.deliveries", DeliveryCounts.Deliveries, description: "Events handed to a transport, redeliveries included");
        _meter.CreateObservableCounter("actordispatch.delivery.responses", DeliveryCounts.Responses,
            description: "Answers to deliveries: ack, reject, timeout (no answer within ackTimeout) or error (the transport failed)");
        _meter.CreateObservableCounter("actordispatch.redeliveries", DeliveryCounts.Redeliveries, description: "Events delivered again after a rewind or as a replay of parked events");
        DeliveryLatency = _meter.CreateHistogram("actordispatch.delivery.latency", "s", "From an event's append to the ack of its delivery",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        JournalWrite = _meter.CreateHistogram("actordispatch.journal.write", "s", "One journal write of a namespace's log (one transaction)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = WriteBuckets });

        _meter.CreateObservableGauge("actordispatch.subscription.lag", () => Subscriptions.Lag(Heads),
            description: "Events appended after the committed offset (head minus committed), with or without a connection");
        _meter.CreateObservableGauge("actordispatch.subscription.in_flight", Subscriptions.InFlight, description: "Deliveries awaiting an answer");
        _meter.CreateObservableGauge("actordispatch.subscription.parked", Subscriptions.Parked, description: "Events in the parked list");
        _meter.CreateObservableGauge("actordispatch.subscription.oldest_unacked_age", Subscriptions.OldestUnackedAge, "s",
            "How long the oldest delivery in flight has waited for its answer (0 when none)");
        _meter.CreateObservableGauge("actordispatch.connections", Connections.Measurements, description: "Connections on this node per transport");
        _meter.CreateObservableGauge("actordispatch.cluster.members", Cluster.Members, description: "Cluster members per status, as this node sees them");
        _meter.CreateObservableGauge("actordispatch.cluster.unreachable_members", Cluster.Unreachable, description: "Members this node's failure detector finds unreachable");
        _meter.CreateObservableGauge("actordispatch.cluster.leader", Cluster.IsLeader, description: "1 on the node that is the cluster's leader, else 0");
    }

    public Counter<long> EventsAppended { get; }
    public Histogram<double> DeliveryLatency { get; }
    public Histogram<double> JournalWrite { get; }

    public DeliveryCounts DeliveryCounts { get; } = new();
    public SubscriptionGauges Subscriptions { get; } = new();
    public NamespaceHeads Heads { get; } = new();
    public ConnectionCounts Connections { get; } = new();
    public ClusterMembershipGauges Cluster { get; } = new();

    /// <summary>The meter the instruments belong to; a host tells its own engine's apart by it.</summary>
    public Meter Meter => _meter;

    /// <summary>The instruments of <paramref name="system"/>, created on first use.</summary>
    public static ActorDispatchMetrics Get(ActorSystem system) => system.WithExtension<ActorDispatchMetrics, ActorDispatchMetricsProvider>();

    /// <summary>Per-subscription counters; ephemeral subscriptions share <see cref="MetricTags.EphemeralSubscription"/>.</summary>
    public SubscriptionInstruments For(string @namespace, string subscription, string transport) => new(this, @namespace, subscription, transport);

    // A meter from a factory belongs to it (it disposes it with the host).
    public void Dispose()
    {
        if (_ownsMeter) _meter.Dispose();
    }
}
