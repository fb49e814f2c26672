using ActorDispatch.Model;
using Akka.Actor;
using Akka.Persistence;

namespace ActorDispatch.Log;

/// <summary>
/// Replays the log's last journal entry straight from its journal, so that a recovering
/// <see cref="EventLogActor"/> learns its head (the last event's sequence) without replaying the
/// events before it; with an idempotency window, also the entries before it, newest first and a
/// page at a time, for the idempotency keys still within the window (<see cref="LogEntry.Keys"/>).
/// It stops at the first entry whose events are all older than the window, or after
/// <c>idempotency-recover-max-entries</c> entries. Works with any journal plugin. Answers its parent
/// once, then stops.
/// </summary>
internal sealed class LogHeadReader : ReceiveActor
{
    /// <summary>Entries per journal query while reading keys: bounds what one page holds in memory.</summary>
    public const int PageSize = 50;

    /// <summary>The events of the last entry, and the keys within the window, oldest first.</summary>
    public sealed record LastEntry(IReadOnlyList<Event> Events, IReadOnlyList<RecoveredKey> Keys);

    /// <summary>An idempotency key read back, with the events its append stored.</summary>
    public sealed record RecoveredKey(string Key, string Hash, IReadOnlyList<Event> Events);

    public sealed record Failed(Exception Cause);

    /// <summary>
    /// Reads entry <paramref name="entry"/> (the last), and with a positive <paramref name="window"/> the keys
    /// of the entries before it, at most <paramref name="maxEntries"/> entries in all.
    /// </summary>
    public static Props Props(string persistenceId, long entry, string? journalPluginId, TimeSpan timeout, TimeSpan window, int maxEntries) =>
        Akka.Actor.Props.Create(() => new LogHeadReader(persistenceId, entry, journalPluginId, timeout, window, maxEntries));

    private readonly string _persistenceId;
    private readonly long _last;
    private readonly IActorRef _journal;
    private readonly bool _readKeys;
    private readonly DateTimeOffset _cutoff; // events created before this are outside the window
    private readonly long _lowest;            // the oldest entry this may read
    private readonly List<(long Entry, object Payload)> _page = [];
    private readonly List<RecoveredKey> _keys = []; // newest first
    private IReadOnlyList<Event>? _events;
    private long _from;

    public LogHeadReader(string persistenceId, long entry, string? journalPluginId, TimeSpan timeout, TimeSpan window, int maxEntries)
    {
        _persistenceId = persistenceId;
        _last = entry;
        _readKeys = window > TimeSpan.Zero;
        _cutoff = DateTimeOffset.UtcNow - window;
        _lowest = _readKeys ? Math.Max(1, entry - Math.Max(1, maxEntries) + 1) : entry;
        _journal = Persistence.Instance.Apply(Context.System).JournalFor(journalPluginId);

        Receive<ReplayedMessage>(m => _page.Add((m.Persistent.SequenceNr, m.Persistent.Payload)));
        Receive<RecoverySuccess>(_ => PageRead());
        Receive<ReplayMessagesFailure>(f => Answer(new Failed(f.Cause)));
        Receive<ReceiveTimeout>(_ => Answer(new Failed(new TimeoutException($"reading entries up to {entry} of {persistenceId} took longer than {timeout}"))));

        Context.SetReceiveTimeout(timeout);
        ReadPage(entry);
    }

    // The page of entries that ends at `to`: the journal replays it oldest first.
    private void ReadPage(long to)
    {
        _from = _readKeys ? Math.Max(_lowest, to - PageSize + 1) : to;
        _page.Clear();
        _journal.Tell(new ReplayMessages(_from, to, to - _from + 1, _persistenceId, Self));
    }

    private void PageRead()
    {
        if (_events is null)
        {
            // The first page, which ends with the last entry.
            if (_page.Count == 0 || _page[^1].Entry != _last)
            {
                Answer(new Failed(new InvalidOperationException($"entry {_last} of {_persistenceId} is missing from the journal")));
                return;
            }
            _events = LogEntries.EventsOf(_page[^1].Payload);
        }
        if (!_readKeys)
        {
            Done();
            return;
        }
        for (var i = _page.Count - 1; i >= 0; i--)
        {
            var payload = _page[i].Payload;
            var events = LogEntries.EventsOf(payload);
            if (events[^1].Created < _cutoff)
            {
                Done(); // this entry and every older one are outside the window
                return;
            }
            Collect(events, LogEntries.KeysOf(payload));
        }
        if (_from > _lowest) ReadPage(_from - 1);
        else Done();
    }

    // The keys of one entry, newest first, each with the events its append stored.
    private void Collect(IReadOnlyList<Event> events, IReadOnlyList<LogEntryKey>? keys)
    {
        if (keys is null) return;
        var first = events[0].Sequence;
        for (var k = keys.Count - 1; k >= 0; k--)
        {
            var key = keys[k];
            var at = key.First - first;
            if (at < 0 || key.Count < 1 || at + key.Count > events.Count) continue; // not this entry's events: ignore it
            var stored = new Event[key.Count];
            for (var i = 0; i < stored.Length; i++) stored[i] = events[(int)at + i];
            _keys.Add(new RecoveredKey(key.Key, key.Hash, stored));
        }
    }

    private void Done()
    {
        _keys.Reverse();
        Answer(new LastEntry(_events!, _keys));
    }

    private void Answer(object answer)
    {
        Context.Parent.Tell(answer);
        Context.Stop(Self);
    }
}
