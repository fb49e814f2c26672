using System.Buffers;

namespace ActorDispatch.Transports.WebSockets.Internal;

/// <summary>
/// The upgraded connection's stream, able to gather writes: between <see cref="BeginBatch"/> and
/// <see cref="EndBatchAsync"/> the frames the writer sends go out as one write instead of one
/// write (and one flush, usually one system call) each. The write loop batches whatever is queued,
/// so a caught-up connection still sends each frame at once. Frames the socket writes by itself
/// meanwhile (pongs) join the batch in order. Reads pass straight through. Disposing it (the
/// socket does when it closes or aborts) also runs <paramref name="onDispose"/>.
/// </summary>
internal sealed class CoalescingStream(Stream inner, Action onDispose) : Stream
{
    // A batch is written out when it grows past this, so memory stays bounded on a long queue.
    private const int MaxBatchBytes = 64 * 1024;

    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly ArrayBufferWriter<byte> _batch = new(MaxBatchBytes);
    private bool _batching;

    /// <summary>From now on, writes are gathered until <see cref="EndBatchAsync"/>.</summary>
    public void BeginBatch()
    {
        _lock.Wait();
        _batching = true;
        _lock.Release();
    }

    /// <summary>Writes what was gathered and goes back to writing through.</summary>
    public async ValueTask EndBatchAsync()
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            _batching = false;
            await WriteBatchAsync().ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_batching)
            {
                await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
                return;
            }
            _batch.Write(buffer.Span);
            if (_batch.WrittenCount >= MaxBatchBytes) await WriteBatchAsync().ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    private async ValueTask WriteBatchAsync()
    {
        if (_batch.WrittenCount == 0) return;
        await inner.WriteAsync(_batch.WrittenMemory).ConfigureAwait(false);
        await inner.FlushAsync().ConfigureAwait(false);
        _batch.ResetWrittenCount();
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

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

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            onDispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        onDispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
