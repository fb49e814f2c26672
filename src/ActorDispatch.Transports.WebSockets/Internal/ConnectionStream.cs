using System.Buffers;

namespace ActorDispatch.Transports.WebSockets.Internal;

/// <summary>
/// The connection's byte stream under <see cref="System.Net.WebSockets.WebSocket"/>, which on its own
/// reads and writes a frame at a time: a few hundred bytes, each through Kestrel's stream layers.
/// <list type="bullet">
/// <item>Writes can be held back while the connection's writer drains its queue, so that the frames
/// queued at one time leave in one write (one flush into Kestrel, one system call) instead of one
/// each. The writer calls <see cref="Hold"/> before it drains and <see cref="ReleaseAsync"/> once the
/// queue is empty: no frame waits for more to come. Held bytes are written early at the limit.
/// Writes from elsewhere (keep-alive pings, pongs) are ordered with the held ones by one lock.</item>
/// <item>Reads are buffered, so that the WebSocket's small reads (a frame header, then its payload)
/// take the acks a client sent together from one read of up to 4 KiB.</item>
/// </list>
/// </summary>
internal sealed class ConnectionStream(Stream inner, int limit = ConnectionStream.DefaultLimit) : Stream
{
    /// <summary>About twenty deliveries of a few hundred bytes each: enough to amortise a write, small enough to keep the first one prompt.</summary>
    public const int DefaultLimit = 16 * 1024;

    private readonly SemaphoreSlim _gate = new(1, 1);

    // Guarded by _gate: rented while bytes are held, returned once they are written.
    private byte[]? _held;
    private int _count;

    private volatile bool _holding;

    // Reads: one reader at a time (the WebSocket's receive). Larger reads pass straight through.
    private const int ReadBufferSize = 4096;
    private byte[]? _read;
    private int _readOffset;
    private int _readCount;

    /// <summary>From now on writes are held until <see cref="ReleaseAsync"/> (or until <c>limit</c> bytes are held).</summary>
    public void Hold() => _holding = true;

    /// <summary>Stops holding and writes what is held, in one write.</summary>
    public async ValueTask ReleaseAsync()
    {
        _holding = false;
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await WriteHeldAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_count + buffer.Length > limit) await WriteHeldAsync(cancellationToken).ConfigureAwait(false);
            // Held bytes while not holding: a write (a pong) that came between the end of holding and
            // the release; it goes out with them, after them.
            if ((_holding || _count > 0) && buffer.Length <= limit)
            {
                _held ??= ArrayPool<byte>.Shared.Rent(limit);
                buffer.Span.CopyTo(_held.AsSpan(_count));
                _count += buffer.Length;
                if (!_holding) await WriteHeldAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Nothing to do while holding: <see cref="ReleaseAsync"/> writes what is held.</summary>
    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_holding) return;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteHeldAsync(cancellationToken).ConfigureAwait(false);
            await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    // Under _gate.
    private async ValueTask WriteHeldAsync(CancellationToken cancellationToken)
    {
        if (_held is not { } held) return;
        var count = _count;
        _count = 0;
        try
        {
            if (count > 0) await inner.WriteAsync(held.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Kept while holding (the next frame is about to come), returned otherwise.
            if (!_holding)
            {
                _held = null;
                ArrayPool<byte>.Shared.Return(held);
            }
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_readCount > 0) return new ValueTask<int>(TakeRead(buffer.Span));
        if (buffer.Length >= ReadBufferSize) return inner.ReadAsync(buffer, cancellationToken);
        return FillAndReadAsync(buffer, cancellationToken);
    }

    private async ValueTask<int> FillAndReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        _read ??= new byte[ReadBufferSize];
        var n = await inner.ReadAsync(_read, cancellationToken).ConfigureAwait(false);
        if (n == 0) return 0;
        _readOffset = 0;
        _readCount = n;
        return TakeRead(buffer.Span);
    }

    private int TakeRead(Span<byte> destination)
    {
        var n = Math.Min(destination.Length, _readCount);
        _read.AsSpan(_readOffset, n).CopyTo(destination);
        _readOffset += n;
        _readCount -= n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("synchronous reads are not supported on a WebSocket connection's stream");

    /// <summary>Synchronous writes would bypass the ordering with held bytes; <see cref="System.Net.WebSockets.WebSocket"/> never makes them.</summary>
    public override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("synchronous writes are not supported on a WebSocket connection's stream");

    public override void Flush() => throw new NotSupportedException("synchronous flushes are not supported on a WebSocket connection's stream");

    public override bool CanRead => inner.CanRead;

    public override bool CanWrite => inner.CanWrite;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    // Held bytes are dropped: the socket is being torn down, and the engine redelivers anything unacked.
    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();
}
