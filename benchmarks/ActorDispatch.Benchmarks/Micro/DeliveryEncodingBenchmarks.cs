using System.Buffers;
using System.Text.Json;
using ActorDispatch.Benchmarks.Shared;
using ActorDispatch.Model;
using ActorDispatch.Transports.Webhooks.Options;
using ActorDispatch.Transports.Webhooks.Sending;
using ActorDispatch.Transports.WebSockets.Internal;
using BenchmarkDotNet.Attributes;

namespace ActorDispatch.Benchmarks.Micro;

/// <summary>
/// Encoding a delivery for the network transports, with their own code: the WebSockets writer
/// (<see cref="FrameJson"/> into a reused <see cref="Utf8JsonWriter"/> and
/// <see cref="ArrayBufferWriter{T}"/>, as its write loop does) and the webhooks request builder
/// (<see cref="WebhookRequestBuilder"/>: the body with <c>withData</c>, and a batch of
/// <see cref="BatchSize"/>). Paid once per delivery: a webhook request is built once and every
/// retry sends the same bytes.
/// </summary>
public class DeliveryEncodingBenchmarks
{
    private const int BatchSize = 50;

    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private Utf8JsonWriter _json = null!;
    private OutboundFrame _deliveryFrame = null!;
    private OutboundFrame _batchFrame = null!;
    private EventDelivery _delivery = null!;
    private EventDeliveryBatch _batch = null!;
    private WebhookOptions _withData = null!;
    private WebhookOptions _withoutData = null!;

    /// <summary>Bytes of the event's JSON data.</summary>
    [Params(256, 4096)]
    public int DataSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var payload = new BenchPayload(DataSize);
        var subscription = new SubscriptionRef { Id = Guid.NewGuid(), Namespace = "bench", Name = "bench" };
        var deliveries = Enumerable.Range(1, BatchSize)
            .Select(i => new EventDelivery(SampleEvents.Order(41 + i, payload.Create(41 + i, 1234567890)), subscription))
            .ToArray();
        _delivery = deliveries[0];
        _batch = new EventDeliveryBatch(Guid.NewGuid(), subscription, deliveries);
        _deliveryFrame = new DeliveryFrame(_delivery, AutoAck: false);
        _batchFrame = new BatchFrame(_batch, AutoAck: false);
        _json = new Utf8JsonWriter(_buffer);
        _withData = new WebhookOptions
        {
            Url = new Uri("http://localhost:8080/hook"),
            WithData = true,
            Retry = new RetrySettings(Enabled: false, Count: 0, TimeSpan.Zero, TimeSpan.Zero),
            Http = new HttpSettings(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), 100, TimeSpan.FromSeconds(90), ProxyUrl: null),
        };
        _withoutData = _withData with { WithData = false };
    }

    [GlobalCleanup]
    public void Cleanup() => _json.Dispose();

    /// <summary>One delivery frame, as <c>WebSocketConnection.SendAsync</c> writes it before sending.</summary>
    [Benchmark(Baseline = true)]
    public int WebSocketDelivery() => WriteFrame(_deliveryFrame);

    /// <summary>An <c>event_batch</c> frame of 50; per event.</summary>
    [Benchmark(OperationsPerInvoke = BatchSize)]
    public int WebSocketBatch() => WriteFrame(_batchFrame);

    /// <summary>The request of one delivery with <c>withData</c> (the default): the data payload as the body.</summary>
    [Benchmark]
    public object WebhookWithData() => WebhookRequestBuilder.ForDelivery(_withData, _delivery);

    /// <summary>The request of one delivery without <c>withData</c>: the delivery JSON as the body.</summary>
    [Benchmark]
    public object WebhookDeliveryJson() => WebhookRequestBuilder.ForDelivery(_withoutData, _delivery);

    /// <summary>The request of a batch of 50 with <c>withData</c> (a JSON array of payloads); per event.</summary>
    [Benchmark(OperationsPerInvoke = BatchSize)]
    public object WebhookBatch() => WebhookRequestBuilder.ForBatch(_withData, _batch);

    private int WriteFrame(OutboundFrame frame)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        FrameJson.Write(_json, frame);
        _json.Flush();
        return _buffer.WrittenCount;
    }
}
