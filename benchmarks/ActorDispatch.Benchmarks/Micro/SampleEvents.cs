using System.Text.Json;
using ActorDispatch.Model;

namespace ActorDispatch.Benchmarks.Micro;

/// <summary>The event the micro-benchmarks encode, filter and deliver: an order in namespace "bench".</summary>
internal static class SampleEvents
{
    public static Event Order(long sequence, JsonElement? data = null) => new()
    {
        Id = Guid.NewGuid(),
        Sequence = sequence,
        Type = "order_created",
        Namespace = "bench",
        Topic = "orders",
        Created = DateTimeOffset.UtcNow,
        Data = data,
    };
}
