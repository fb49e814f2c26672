using System.Buffers;
using System.Buffers.Binary;

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
/// <item>The writer frames its own text messages (<see cref="WriteTextFrameAsync"/>): the WebSocket's
/// <c>SendAsync</c> takes the socket's state lock for every frame, as its <c>ReceiveAsync</c> does for
/// every ack, and with the writer and the reader on two cores the two spun against each other (about a
/// tenth of a WebSocket fan-out's CPU).</item>
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

    // Guarded by _gate: the header of the text frame being written.
    private readonly byte[] _header = new byte[MaxHeaderSize];
    private const int MaxHeaderSize = 10;

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
            await WriteGatedAsync(buffer, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Writes <paramref name="payload"/> as one final, unmasked text frame (RFC 6455 section 5.2), as the
    /// server's WebSocket would, ordered whole with every other write, the WebSocket's own frames included.
    /// </summary>
    public async ValueTask WriteTextFrameAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var header = WriteTextHeader(_header, payload.Length);
            await WriteGatedAsync(_header.AsMemory(0, header), payload, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    // FIN and the text opcode, then the payload length in 7, 7+16 or 7+64 bits; a server does not mask.
    private static int WriteTextHeader(Span<byte> header, int length)
    {
        header[0] = 0x81;
        if (length < 126)
        {
            header[1] = (byte)length;
            return 2;
        }
        if (length <= ushort.MaxValue)
        {
            header[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)length);
            return 4;
        }
        header[1] = 127;
        BinaryPrimitives.WriteUInt64BigEndian(header[2..], (ulong)length);
        return MaxHeaderSize;
    }

    // Under _gate: first and second as one write (held, or each straight through).
    private async ValueTask WriteGatedAsync(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second, CancellationToken cancellationToken)
    {
        var length = first.Length + second.Length;
        if (_count + length > limit) await WriteHeldAsync(cancellationToken).ConfigureAwait(false);
        // Held bytes while not holding: a write (a pong) that came between the end of holding and
        // the release; it goes out with them, after them.
        if ((_holding || _count > 0) && length <= limit)
        {
            _held ??= ArrayPool<byte>.Shared.Rent(limit);
            first.Span.CopyTo(_held.AsSpan(_count));
            second.Span.CopyTo(_held.AsSpan(_count + first.Length));
            _count += length;
            if (!_holding) await WriteHeldAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        await inner.WriteAsync(first, cancellationToken).ConfigureAwait(false);
        if (!second.IsEmpty) await inner.WriteAsync(second, cancellationToken).ConfigureAwait(false);
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
