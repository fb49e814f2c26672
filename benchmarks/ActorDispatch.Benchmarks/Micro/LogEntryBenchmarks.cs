using System.Text.Json;
using ActorDispatch.Benchmarks.Shared;
using ActorDispatch.Log;
using ActorDispatch.Model;
using BenchmarkDotNet.Attributes;

namespace ActorDispatch.Benchmarks.Micro;

/// <summary>
/// The group-commit journal layout (<see cref="LogEntry"/>): the log encodes each append as it
/// arrives (<see cref="LogEntries.Encode"/>) and joins the appends of an entry into its payload
/// (<see cref="LogEntries.ToPayload"/>), instead of letting the serializer write the whole entry when
/// the journal writes it; readers deserialise whole entries. Entries of one append of
/// <see cref="Events"/> events of 256 bytes of data. Each invocation handles 1000 events
/// (1000 / <see cref="Events"/> entries: <c>OperationsPerInvoke</c> cannot follow a parameter), so
/// figures are per event. With one event <c>ToPayload</c> returns the bare event (no join), which
/// the serializer then writes as it is.
/// </summary>
public class LogEntryBenchmarks
{
    private const int EventsPerInvoke = 1000;

    private int _entries;
    private Event[] _events = [];
    private byte[] _entryJson = [];

    /// <summary>Events in the entry (one append).</summary>
    [Params(1, 100, 1000)]
    public int Events { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _entries = EventsPerInvoke / Events;
        var payload = new BenchPayload(256);
        _events = Enumerable.Range(1, Events).Select(i => SampleEvents.Order(i, payload.Create(i, 1234567890))).ToArray();
        _entryJson = JsonSerializer.SerializeToUtf8Bytes(new LogEntry(_events), ActorDispatchJson.Options);
        // The join must write what the serializer would, or the comparison means nothing.
        if (LogEntries.ToPayload(_events, () => [LogEntries.Encode(_events)]) is LogEntry { Json: { } joined } && !joined.AsSpan().SequenceEqual(_entryJson))
            throw new InvalidOperationException("LogEntries.ToPayload does not write the serializer's bytes");
    }

    /// <summary>What the journal write would otherwise do: serialise the whole entry.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = EventsPerInvoke)]
    public int Serialize()
    {
        var bytes = 0;
        for (var i = 0; i < _entries; i++) bytes += JsonSerializer.SerializeToUtf8Bytes(new LogEntry(_events), ActorDispatchJson.Options).Length;
        return bytes;
    }

    /// <summary>The log's way: encode the append, then join it into the entry's payload.</summary>
    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public object? EncodeAndJoin()
    {
        object? payload = null;
        for (var i = 0; i < _entries; i++) payload = LogEntries.ToPayload(_events, () => [LogEntries.Encode(_events)]);
        return payload;
    }

    /// <summary>A backlog read: one journal row back into its events.</summary>
    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public int Deserialize()
    {
        var events = 0;
        for (var i = 0; i < _entries; i++) events += JsonSerializer.Deserialize<LogEntry>(_entryJson, ActorDispatchJson.Options)!.Events.Count;
        return events;
    }
}
