using System.Text.Json;
using ActorDispatch.Log;
using ActorDispatch.Model;

namespace ActorDispatch.Tests.Model;

public sealed class LogEntryEncodingTests
{
    private static Event Event(long sequence, string? data) => new()
    {
        Id = EventIds.Create(sequence),
        Sequence = sequence,
        Type = "order_created",
        Namespace = "default",
        Topic = sequence % 2 == 0 ? "orders" : null,
        Correlator = sequence % 3 == 0 ? Guid.NewGuid() : null,
        Created = new DateTimeOffset(2026, 11, 28, 2, 3, 4, TimeSpan.Zero).AddTicks(sequence * 10),
        Data = data is null ? null : JsonDocument.Parse(data).RootElement,
    };

    [Fact]
    public void An_entry_joined_from_encoded_appends_is_byte_for_byte_what_serializing_it_writes()
    {
        var appends = new[]
        {
            new[] { Event(1, """{"a": 1, "text": "über \"quoted\""}""") },
            new[] { Event(2, null), Event(3, "[1, 2, 3]"), Event(4, "\"just a string\"") },
            new[] { Event(5, "{}") },
        };
        var events = appends.SelectMany(a => a).ToArray();

        var joined = (LogEntry)LogEntries.ToPayload(events, () => appends.Select(LogEntries.Encode).ToList());
        var serialized = JsonSerializer.SerializeToUtf8Bytes(new LogEntry(events), ActorDispatchJson.Options);

        Assert.Equal(serialized, joined.Json);
        var read = JsonSerializer.Deserialize<LogEntry>(joined.Json, ActorDispatchJson.Options)!;
        Assert.Equal(events, read.Events);
    }

    [Fact]
    public void A_single_event_entry_is_stored_as_the_bare_event()
    {
        var e = Event(1, "{}");
        Assert.Same(e, LogEntries.ToPayload([e], () => throw new InvalidOperationException("a lone event needs no encoding")));
        Assert.Equal([e], LogEntries.EventsOf(e));
    }
}
