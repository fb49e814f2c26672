using System.Text.Json;
using ActorDispatch.Log;
using ActorDispatch.Model;
using static ActorDispatch.Log.IdempotencyWindow;

namespace ActorDispatch.Tests.Model;

public sealed class IdempotencyWindowTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(2);

    private readonly ManualClock _clock = new();

    private IdempotencyWindow<string> NewWindow(int maxKeys = 100) => new(Window, maxKeys, _clock);

    private static Event[] Stored(long first, int count = 1) => Enumerable.Range(0, count).Select(i => new Event
    {
        Id = EventIds.Create(first + i),
        Sequence = first + i,
        Type = "order_created",
        Namespace = "default",
        Created = new DateTimeOffset(2026, 11, 28, 2, 3, 4, TimeSpan.Zero),
    }).ToArray();

    // Appends the key as the log does: checked, begun, written.
    private static Event[] Store(IdempotencyWindow<string> window, string key, string hash, long first)
    {
        Assert.Equal(Verdict.New, window.Check(key, hash, "first", out _));
        window.Begin(key, hash);
        var events = Stored(first);
        Assert.Empty(window.Complete(key, events));
        return events;
    }

    [Fact]
    public void A_stored_key_replays_its_events_until_the_window_has_passed()
    {
        var window = NewWindow();
        var events = Store(window, "k", "h", 1);

        _clock.Advance(Window - TimeSpan.FromTicks(1));
        Assert.Equal(Verdict.Replay, window.Check("k", "h", "retry", out var replayed));
        Assert.Same(events, replayed);

        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(Verdict.New, window.Check("k", "h", "retry", out replayed));
        Assert.Null(replayed);
        Assert.Equal(0, window.Count);
    }

    [Fact]
    public void Expire_forgets_expired_keys_without_a_lookup_and_keeps_the_younger_ones()
    {
        var window = NewWindow();
        Store(window, "old", "h", 1);
        _clock.Advance(TimeSpan.FromMinutes(1));
        Store(window, "young", "h", 2);

        _clock.Advance(TimeSpan.FromMinutes(1));
        window.Expire();

        Assert.Equal(1, window.Count);
        Assert.Equal(Verdict.Replay, window.Check("young", "h", "retry", out _));
    }

    [Fact]
    public void The_same_key_with_other_events_is_a_conflict_whether_stored_or_pending()
    {
        var window = NewWindow();
        Store(window, "stored", "h1", 1);
        Assert.Equal(Verdict.Conflict, window.Check("stored", "h2", "other", out var events));
        Assert.Null(events);

        Assert.Equal(Verdict.New, window.Check("pending", "h1", "first", out _));
        window.Begin("pending", "h1");
        Assert.Equal(Verdict.Conflict, window.Check("pending", "h2", "other", out _));
        Assert.Empty(window.Complete("pending", Stored(2))); // the conflicting caller did not wait
    }

    [Fact]
    public void Retries_of_a_pending_key_wait_and_get_its_outcome()
    {
        var window = NewWindow();
        Assert.Equal(Verdict.New, window.Check("k", "h", "first", out _));
        window.Begin("k", "h");

        Assert.Equal(Verdict.Wait, window.Check("k", "h", "retry-1", out _));
        Assert.Equal(Verdict.Wait, window.Check("k", "h", "retry-2", out _));
        Assert.Equal(1, window.PendingCount);
        Assert.Equal(0, window.Count);

        var events = Stored(1);
        Assert.Equal(["retry-1", "retry-2"], window.Complete("k", events));
        Assert.Equal(0, window.PendingCount);
        Assert.Equal(Verdict.Replay, window.Check("k", "h", "retry-3", out var replayed));
        Assert.Same(events, replayed);
    }

    [Fact]
    public void A_failed_append_hands_back_its_waiters_and_its_key_can_be_appended_again()
    {
        var window = NewWindow();
        window.Check("k", "h", "first", out _);
        window.Begin("k", "h");
        window.Check("k", "h", "retry", out _);

        Assert.Equal(["retry"], window.Fail("k"));
        Assert.Equal(0, window.PendingCount);
        Assert.Equal(Verdict.New, window.Check("k", "h", "again", out _));
        Assert.Empty(window.Fail("never-begun"));
    }

    [Fact]
    public void A_key_is_begun_only_once()
    {
        var window = NewWindow();
        window.Begin("k", "h");
        Assert.Throws<InvalidOperationException>(() => window.Begin("k", "h"));
        window.Complete("k", Stored(1));
        Assert.Throws<InvalidOperationException>(() => window.Begin("k", "h"));
        Assert.Throws<InvalidOperationException>(() => window.Complete("unknown", Stored(2)));
    }

    [Fact]
    public void Past_the_maximum_the_oldest_keys_are_forgotten_first()
    {
        var window = NewWindow(maxKeys: 3);
        for (var i = 1; i <= 5; i++) Store(window, $"k{i}", "h", i);

        Assert.Equal(3, window.Count);
        Assert.Equal(Verdict.New, window.Check("k1", "h", "retry", out _));
        Assert.Equal(Verdict.New, window.Check("k2", "h", "retry", out _));
        foreach (var key in new[] { "k3", "k4", "k5" }) Assert.Equal(Verdict.Replay, window.Check(key, "h", "retry", out _));
    }

    [Fact]
    public void Recovered_keys_expire_by_their_age_and_the_oldest_go_first()
    {
        var window = NewWindow(maxKeys: 2);
        window.Recover("expired", "h", Stored(1), Window);
        window.Recover("older", "h", Stored(2), TimeSpan.FromSeconds(90));
        window.Recover("newer", "h", Stored(3), TimeSpan.FromSeconds(10));
        window.Recover("newest", "h", Stored(4), TimeSpan.FromSeconds(-5)); // another node's clock ran ahead: as if just stored

        Assert.Equal(2, window.Count);
        Assert.Equal(Verdict.New, window.Check("expired", "h", "retry", out _));
        Assert.Equal(Verdict.New, window.Check("older", "h", "retry", out _)); // evicted by the bound
        Assert.Equal(Verdict.Replay, window.Check("newer", "h", "retry", out _));

        _clock.Advance(TimeSpan.FromSeconds(110));
        Assert.Equal(Verdict.New, window.Check("newer", "h", "retry", out _));
        Assert.Equal(Verdict.Replay, window.Check("newest", "h", "retry", out _));
    }

    [Fact]
    public void A_key_recovered_twice_keeps_the_newer_append()
    {
        var window = NewWindow();
        window.Recover("k", "h1", Stored(1), TimeSpan.FromSeconds(100));
        window.Recover("k", "h2", Stored(2), TimeSpan.FromSeconds(10));

        _clock.Advance(TimeSpan.FromSeconds(30)); // the older one's time is up, not the newer one's
        Assert.Equal(Verdict.Replay, window.Check("k", "h2", "retry", out var events));
        Assert.Equal(2, events![0].Sequence);
    }

    private static NewEvent Event(string data) => new()
    {
        Type = "order_created",
        Topic = "orders",
        Data = JsonDocument.Parse(data).RootElement,
    };

    [Fact]
    public void The_hash_is_the_same_for_the_same_events_and_differs_in_any_field()
    {
        var e = Event("""{"id":1,"items":[1,2]}""") with
        {
            Tag = "t", Author = "a", Reference = Guid.NewGuid(), Correlator = Guid.NewGuid(), Tx = Guid.NewGuid(),
        };
        var hash = Hash([e]);

        Assert.Matches("^[0-9a-f]{32}$", hash);
        Assert.Equal(hash, Hash([e with { Data = JsonDocument.Parse("""{ "id" : 1, "items" : [ 1, 2 ] }""").RootElement }]));
        var others = new[]
        {
            e with { Type = "order_paid" }, e with { Topic = null }, e with { Tag = "u" }, e with { Author = null },
            e with { Reference = Guid.NewGuid() }, e with { Correlator = null }, e with { Tx = Guid.NewGuid() },
            e with { Data = JsonDocument.Parse("""{"id":2,"items":[1,2]}""").RootElement }, e with { Data = null },
        };
        Assert.All(others, other => Assert.NotEqual(hash, Hash([other])));
        Assert.NotEqual(hash, Hash([e, e]));
        // Fields do not run into each other: a topic "ab" is not a topic "a" with a tag "b".
        Assert.NotEqual(Hash([new NewEvent { Type = "x", Topic = "ab" }]), Hash([new NewEvent { Type = "x", Topic = "a", Tag = "b" }]));
    }

    [Fact]
    public void Keys_are_written_after_the_events_and_joined_entries_are_what_serializing_them_writes()
    {
        var appends = new[] { Stored(1), Stored(2, 2) };
        var events = appends.SelectMany(a => a).ToArray();
        LogEntryKey[] keys = [new("k\"1", "0123456789abcdef0123456789abcdef", 2, 2)];

        var joined = (LogEntry)LogEntries.ToPayload(events, () => appends.Select(LogEntries.Encode).ToList(), keys);
        var serialized = JsonSerializer.SerializeToUtf8Bytes(new LogEntry(events, keys), ActorDispatchJson.Options);

        Assert.Equal(serialized, joined.Json);
        var json = System.Text.Encoding.UTF8.GetString(joined.Json!);
        Assert.EndsWith(""","keys":[{"key":"k\"1","hash":"0123456789abcdef0123456789abcdef","first":2,"count":2}]}""", json);
        Assert.InRange(json.Length - System.Text.Encoding.UTF8.GetString(LogEntries.ToEntry(events, appends.Select(LogEntries.Encode).ToList()).Json!).Length,
            1, LogEntries.KeyBytes("k\"1"));
        var read = JsonSerializer.Deserialize<LogEntry>(joined.Json, ActorDispatchJson.Options)!;
        Assert.Equal(events, read.Events);
        Assert.Equal(keys, read.Keys);
    }

    [Fact]
    public void A_keyed_single_event_is_an_entry_and_entries_without_keys_read_as_before()
    {
        var e = Stored(1);
        LogEntryKey[] keys = [new("k", "h", 1, 1)];
        var keyed = Assert.IsType<LogEntry>(LogEntries.ToPayload(e, () => [LogEntries.Encode(e)], keys));
        Assert.Equal(keys, LogEntries.KeysOf(keyed));
        Assert.Equal(e, LogEntries.EventsOf(keyed));

        Assert.Same(e[0], LogEntries.ToPayload(e, () => throw new InvalidOperationException("a lone event needs no encoding")));
        Assert.Null(LogEntries.KeysOf(e[0]));
        var old = JsonSerializer.Deserialize<LogEntry>("""{"events":[]}""", ActorDispatchJson.Options)!; // as written before keys existed
        Assert.Null(old.Keys);
        Assert.DoesNotContain("keys", System.Text.Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(new LogEntry(e), ActorDispatchJson.Options)));
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
