using ActorDispatch.Connections;
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
    private Connection.Deliver _deliver = null!;

    [Params(false, true)]
    public bool Recorded { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        if (Recorded) _tracing = Sdk.CreateTracerProviderBuilder().AddSource(ActorDispatchTracing.SourceName).Build();
        var subscription = new Subscription { Id = Guid.NewGuid(), Namespace = "bench", Name = "bench", Transport = "bench" };
        var e = new Event
        {
            Id = Guid.NewGuid(),
            Sequence = 42,
            Type = "order_created",
            Namespace = "bench",
            Topic = "orders",
            Created = DateTimeOffset.UtcNow,
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        };
        _spans = new DeliverySpans(subscription);
        _deliver = new Connection.Deliver(subscription, new EventDelivery(e, subscription.Ref), Batch: null);
    }

    [GlobalCleanup]
    public void Cleanup() => _tracing?.Dispose();

    /// <summary>A delivery sent and acked: its span started, its traceparent read as a transport does, ended.</summary>
    [Benchmark]
    public int DeliverAndAck()
    {
        var sent = _spans.Start(_deliver, redelivery: false);
        var length = sent.Single!.TraceParent.Length;
        _spans.End(sent.Id, "ack");
        return length;
    }
}
