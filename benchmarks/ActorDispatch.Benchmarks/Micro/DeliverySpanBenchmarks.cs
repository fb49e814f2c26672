using ActorDispatch.Diagnostics;
using ActorDispatch.Model;
using BenchmarkDotNet.Attributes;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace ActorDispatch.Benchmarks.Micro;

/// <summary>
/// What tracing adds to one delivery on the dispatcher: <see cref="DeliverySpans.Start"/> and
/// <see cref="DeliverySpans.End"/> for an event appended with a trace context, recorded by the
/// OpenTelemetry SDK with no exporter (the server's <c>ActorDispatch:Tracing:Enabled=true</c>),
/// against the same calls with nothing listening.
/// </summary>
public class DeliverySpanBenchmarks
{
    private TracerProvider? _tracing;
    private DeliverySpans _spans = null!;
    private Event[][] _events = null!;
    private int _next;

    [Params(false, true)]
    public bool Recorded { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        if (Recorded) _tracing = Sdk.CreateTracerProviderBuilder().AddSource(ActorDispatchTracing.SourceName).Build();
        var subscription = new Subscription { Id = Guid.NewGuid(), Namespace = "bench", Name = "bench", Transport = "bench" };
        // Each from an append of its own, as on an append stream: no trace context is parsed twice in a row.
        _events = Enumerable.Range(0, 64)
            .Select(i => new[] { SampleEvents.Order(42 + i) with { TraceParent = $"00-0af7651916cd43dd8448eb211c8031{i:x2}-b7ad6b7169203331-01" } })
            .ToArray();
        _spans = new DeliverySpans(subscription);
    }

    [GlobalCleanup]
    public void Cleanup() => _tracing?.Dispose();

    /// <summary>A delivery sent and acked: its span started, giving the traceparent it carries, and ended.</summary>
    [Benchmark]
    public int DeliverAndAck()
    {
        var events = _events[_next++ & 63];
        var id = events[0].Id;
        var traceParent = _spans.Start(id, events, batch: false, redelivery: false);
        _spans.End(id, "ack");
        return traceParent?.Length ?? 0;
    }
}
