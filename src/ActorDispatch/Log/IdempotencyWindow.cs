using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using ActorDispatch.Model;

namespace ActorDispatch.Log;

/// <summary>
/// Companion of <see cref="IdempotencyWindow{TWaiter}"/>: what a look-up decides, and the hash that
/// tells a retry (the same events) from a key reused for other events.
/// </summary>
internal static class IdempotencyWindow
{
    /// <summary>What to do with a keyed append.</summary>
    public enum Verdict
    {
        /// <summary>The key is not known: append, and mark it pending while the append is written.</summary>
        New,
        /// <summary>The key's append is stored: answer its events, append nothing.</summary>
        Replay,
        /// <summary>The key's append is being written: the caller is answered with its outcome.</summary>
        Wait,
        /// <summary>The key was used for other events: refuse, append nothing.</summary>
        Conflict,
    }

    // Reused by the callers running on a thread, as LogEntries' encoder is.
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    /// <summary>
    /// A hash of the events as a caller gives them (type, topic, tag, author, reference, correlator,
    /// tx, data), the same on every node and across restarts, since it is stored with the key. The
    /// data is written again compactly, so a retry that only spaces its JSON differently is the same.
    /// 128 bits of SHA-256: no client can make two event lists collide.
    /// </summary>
    public static string Hash(IReadOnlyList<NewEvent> events)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = ActorDispatchJson.Options.Encoder });
        writer.Reset(buffer);
        writer.WriteStartArray();
        foreach (var e in events)
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, e.Type);
            if (e.Topic is not null) writer.WriteString("topic"u8, e.Topic);
            if (e.Tag is not null) writer.WriteString("tag"u8, e.Tag);
            if (e.Author is not null) writer.WriteString("author"u8, e.Author);
            if (e.Reference is { } reference) writer.WriteString("reference"u8, reference);
            if (e.Correlator is { } correlator) writer.WriteString("correlator"u8, correlator);
            if (e.Tx is { } tx) writer.WriteString("tx"u8, tx);
            if (e.Data is { } data)
            {
                writer.WritePropertyName("data"u8);
                data.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.Flush();
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer.WrittenSpan, digest);
        if (buffer.Capacity > 1024 * 1024) t_buffer = null; // an unusually large append: do not keep its buffer
        return Convert.ToHexStringLower(digest[..16]);
    }
}

/// <summary>
/// The idempotency keys one namespace's log remembers: for each keyed append, its stored events and
/// the hash of the events asked for, until <c>idempotency-window</c> has passed since it was stored,
/// and at most <c>idempotency-max-keys</c> of them (the oldest are forgotten first). Keys whose
/// append is still being written are pending: a retry that arrives meanwhile waits for that write
/// (<typeparamref name="TWaiter"/>, the log's callers) instead of appending again. Pure: time comes
/// from the <see cref="TimeProvider"/>'s monotonic timestamps, so tests control it.
/// </summary>
internal sealed class IdempotencyWindow<TWaiter>
{
    private sealed record Stored(string Key, string Hash, IReadOnlyList<Event> Events, long At);

    private sealed class Pending(string hash)
    {
        public string Hash { get; } = hash;
        public List<TWaiter>? Waiters { get; set; }
    }

    private readonly Dictionary<string, Stored> _stored = new(StringComparer.Ordinal);
    // Oldest first. May hold entries since replaced in _stored (a key recovered twice): skipped.
    private readonly Queue<Stored> _order = new();
    private readonly Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;
    private readonly long _window; // in the clock's timestamp units
    private readonly int _maxKeys;

    public IdempotencyWindow(TimeSpan window, int maxKeys, TimeProvider? clock = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxKeys, 1);
        _clock = clock ?? TimeProvider.System;
        _window = ToTimestamp(window);
        _maxKeys = maxKeys;
    }

    /// <summary>The keys whose appends are stored and remembered.</summary>
    public int Count => _stored.Count;

    /// <summary>The keys whose appends are being written.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>
    /// What to do with an append of <paramref name="key"/> whose events hash to <paramref name="hash"/>.
    /// <see cref="IdempotencyWindow.Verdict.Replay"/> gives the stored <paramref name="events"/>;
    /// <see cref="IdempotencyWindow.Verdict.Wait"/> has taken <paramref name="waiter"/>, which
    /// <see cref="Complete"/> or <see cref="Fail"/> gives back. After <see cref="IdempotencyWindow.Verdict.New"/>
    /// the caller appends and calls <see cref="Begin"/>.
    /// </summary>
    public IdempotencyWindow.Verdict Check(string key, string hash, TWaiter waiter, out IReadOnlyList<Event>? events)
    {
        events = null;
        Expire();
        if (_pending.TryGetValue(key, out var pending))
        {
            if (!string.Equals(pending.Hash, hash, StringComparison.Ordinal)) return IdempotencyWindow.Verdict.Conflict;
            (pending.Waiters ??= []).Add(waiter);
            return IdempotencyWindow.Verdict.Wait;
        }
        if (!_stored.TryGetValue(key, out var stored)) return IdempotencyWindow.Verdict.New;
        if (!string.Equals(stored.Hash, hash, StringComparison.Ordinal)) return IdempotencyWindow.Verdict.Conflict;
        events = stored.Events;
        return IdempotencyWindow.Verdict.Replay;
    }

    /// <summary>The append of a <see cref="IdempotencyWindow.Verdict.New"/> key is being written.</summary>
    public void Begin(string key, string hash)
    {
        if (_stored.ContainsKey(key) || !_pending.TryAdd(key, new Pending(hash)))
            throw new InvalidOperationException($"idempotency key '{key}' is known already; Check it first");
    }

    /// <summary>The key's append is durable as <paramref name="events"/>: remembered from now on. Returns the retries that waited.</summary>
    public IReadOnlyList<TWaiter> Complete(string key, IReadOnlyList<Event> events)
    {
        if (!_pending.Remove(key, out var pending)) throw new InvalidOperationException($"idempotency key '{key}' is not pending");
        Expire();
        Store(new Stored(key, pending.Hash, events, _clock.GetTimestamp()));
        return pending.Waiters ?? (IReadOnlyList<TWaiter>)[];
    }

    /// <summary>The key's append failed and nothing of it is stored: forgotten. Returns the retries that waited.</summary>
    public IReadOnlyList<TWaiter> Fail(string key) =>
        _pending.Remove(key, out var pending) ? pending.Waiters ?? (IReadOnlyList<TWaiter>)[] : [];

    /// <summary>
    /// A key read back from the journal, stored <paramref name="age"/> ago (by the events' creation
    /// time). Call before any <see cref="Complete"/>, oldest first, so that the oldest are forgotten first.
    /// </summary>
    public void Recover(string key, string hash, IReadOnlyList<Event> events, TimeSpan age)
    {
        if (age < TimeSpan.Zero) age = TimeSpan.Zero; // another node's clock ran ahead
        var agoTicks = ToTimestamp(age);
        if (agoTicks >= _window) return;
        Store(new Stored(key, hash, events, _clock.GetTimestamp() - agoTicks));
    }

    /// <summary>Forgets the keys stored longer than the window ago (also done by every other call).</summary>
    public void Expire()
    {
        var now = _clock.GetTimestamp();
        while (_order.TryPeek(out var oldest) && now - oldest.At >= _window) Forget(_order.Dequeue());
    }

    private void Store(Stored stored)
    {
        _stored[stored.Key] = stored;
        _order.Enqueue(stored);
        while (_stored.Count > _maxKeys) Forget(_order.Dequeue());
    }

    private void Forget(Stored stored)
    {
        if (_stored.TryGetValue(stored.Key, out var current) && ReferenceEquals(current, stored)) _stored.Remove(stored.Key);
    }

    private long ToTimestamp(TimeSpan span) => (long)(span.TotalSeconds * _clock.TimestampFrequency);
}
