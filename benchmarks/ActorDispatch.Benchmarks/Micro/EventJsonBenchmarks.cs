using System.Text.Json;
using ActorDispatch.Benchmarks.Shared;
using ActorDispatch.Model;
using BenchmarkDotNet.Attributes;

namespace ActorDispatch.Benchmarks.Micro;

/// <summary>
/// The wire and storage JSON (<see cref="ActorDispatchJson.Options"/>): every appended event is
/// serialised into the journal, read back from it on backlog reads, and serialised again as an
/// <see cref="EventDelivery"/> by network transports.
/// </summary>
public class EventJsonBenchmarks
{
    private Event _event = null!;
    private EventDelivery _delivery = null!;
    private byte[] _eventJson = [];

    /// <summary>Bytes of the event's JSON data.</summary>
    [Params(256, 4096)]
    public int DataSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _event = SampleEvents.Order(42, new BenchPayload(DataSize).Create(42, 1234567890));
        _delivery = new EventDelivery(_event, new SubscriptionRef { Id = Guid.NewGuid(), Namespace = "bench", Name = "bench" });
        _eventJson = JsonSerializer.SerializeToUtf8Bytes(_event, ActorDispatchJson.Options);
    }

    [Benchmark(Baseline = true)]
    public byte[] SerializeEvent() => JsonSerializer.SerializeToUtf8Bytes(_event, ActorDispatchJson.Options);

    [Benchmark]
    public byte[] SerializeDelivery() => JsonSerializer.SerializeToUtf8Bytes(_delivery, ActorDispatchJson.Options);

    [Benchmark]
    public Event? DeserializeEvent() => JsonSerializer.Deserialize<Event>(_eventJson, ActorDispatchJson.Options);
}
