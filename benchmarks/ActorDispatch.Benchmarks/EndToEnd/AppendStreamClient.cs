using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using ActorDispatch.Model;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// A publisher on a server's append stream (<c>/api/v1/namespaces/{ns}/events/stream</c>): each call
/// is one message (one event, or an array), sent in call order by one writer; the server answers in
/// that order, so answers complete the calls first in, first out. Used with <c>--append stream</c>.
/// </summary>
internal sealed class AppendStreamClient : IAsyncDisposable
{
    private static readonly byte[] Appended = """{"type":"appended"""u8.ToArray();

    private readonly ClientWebSocket _socket;
    private readonly Channel<byte[]> _outgoing = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentQueue<TaskCompletionSource> _waiting = new();
    private readonly Lock _order = new();
    private readonly Task _writer;
    private readonly Task _reader;

    private AppendStreamClient(Uri uri)
    {
        _socket = new ClientWebSocket();
        _socket.Options.Proxy = null;
        var connected = _socket.ConnectAsync(uri, CancellationToken.None);
        _writer = WriteLoopAsync(connected);
        _reader = ReadLoopAsync(connected);
    }

    /// <summary>
    /// A client that connects in the background: appends made meanwhile are queued in call order
    /// (awaiting the connection before queueing would let the waiting calls resume in any order).
    /// </summary>
    public static AppendStreamClient Connect(Uri address, string ns) =>
        new(new UriBuilder(address) { Scheme = "ws", Path = $"/api/v1/namespaces/{Uri.EscapeDataString(ns)}/events/stream" }.Uri);

    /// <summary>Completes once the server answered this append; an error answer throws with its message.</summary>
    public Task AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken ct)
    {
        var body = events.Count == 1
            ? JsonSerializer.SerializeToUtf8Bytes(events[0], ActorDispatchJson.Options)
            : JsonSerializer.SerializeToUtf8Bytes(events, ActorDispatchJson.Options);
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Queued and sent in the same order: the answers come in the order the messages were sent.
        lock (_order)
        {
            _waiting.Enqueue(answered);
            if (!_outgoing.Writer.TryWrite(body)) answered.TrySetException(new InvalidOperationException("the append stream is closed"));
        }
        return answered.Task.WaitAsync(ct);
    }

    private async Task WriteLoopAsync(Task connected)
    {
        await connected;
        await foreach (var body in _outgoing.Reader.ReadAllAsync())
            await _socket.SendAsync(body, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
    }

    private async Task ReadLoopAsync(Task connected)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            await connected;
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close) return;
                    length += result.Count;
                } while (!result.EndOfMessage);
                if (!_waiting.TryDequeue(out var answered)) throw new InvalidOperationException("an answer came for no append");
                var message = buffer.AsSpan(0, length);
                if (message.StartsWith(Appended)) answered.TrySetResult();
                else answered.TrySetException(new InvalidOperationException($"append refused: {System.Text.Encoding.UTF8.GetString(message)}"));
            }
        }
        finally
        {
            while (_waiting.TryDequeue(out var left)) left.TrySetException(new InvalidOperationException("the append stream closed"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _outgoing.Writer.TryComplete();
        try
        {
            await _writer;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            await _reader.WaitAsync(timeout.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or InvalidOperationException)
        {
        }
        _socket.Dispose();
    }
}
