using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace ActorDispatch.Transports.WebSockets.Tests.Support;

/// <summary>
/// A real <see cref="ClientWebSocket"/> with a background receive loop, so that every wait is bounded
/// without cancelling a receive (which would abort the socket). Its user agent is a unique name, by
/// which tests find its connection in the transport's status.
/// </summary>
public sealed class TestClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly ClientWebSocket _socket;
    private readonly Channel<JsonElement> _frames = Channel.CreateUnbounded<JsonElement>();
    private readonly Task _receiver;

    private TestClient(ClientWebSocket socket, string name, bool receive)
    {
        _socket = socket;
        Name = name;
        _receiver = receive ? ReceiveLoopAsync() : Task.CompletedTask;
    }

    public string Name { get; }

    /// <summary>The close status the server sent, once it has closed the connection.</summary>
    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    /// <summary>
    /// Connects to <paramref name="uri"/> with <paramref name="query"/>. Without <paramref name="receive"/>
    /// nothing is read, so pings go unanswered: a dead peer.
    /// </summary>
    public static async Task<TestClient> ConnectAsync(Uri uri, string query = "", bool receive = true)
    {
        var name = $"test-client-{Guid.NewGuid():N}";
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("User-Agent", name);
        socket.Options.CollectHttpResponseDetails = true;
        if (!receive) socket.Options.KeepAliveInterval = TimeSpan.Zero;
        using var cts = new CancellationTokenSource(DefaultTimeout);
        await socket.ConnectAsync(new Uri(uri + query), cts.Token);
        return new TestClient(socket, name, receive);
    }

    /// <summary>Tries to connect and returns the HTTP status of a refused upgrade.</summary>
    public static async Task<HttpStatusCode> RefusedStatusAsync(Uri uri)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        using var cts = new CancellationTokenSource(DefaultTimeout);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, cts.Token));
        return socket.HttpStatusCode;
    }

    public Task SendAsync(object message) => SendTextAsync(JsonSerializer.Serialize(message));

    public async Task SendTextAsync(string text)
    {
        using var cts = new CancellationTokenSource(DefaultTimeout);
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cts.Token);
    }

    public async Task SendBinaryAsync(string text)
    {
        using var cts = new CancellationTokenSource(DefaultTimeout);
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Binary, true, cts.Token);
    }

    /// <summary>Acks a delivery (event or batch) by id, naming its subscription by id.</summary>
    public Task AckAsync(JsonElement delivery) => SendAsync(new
    {
        type = "ack",
        id = delivery.GetProperty("id").GetString(),
        subscription = new { id = delivery.GetProperty("subscription").GetProperty("id").GetString() },
    });

    /// <summary>The next frame; fails if none arrives in time or the connection closes first.</summary>
    public async Task<JsonElement> ReceiveAsync(TimeSpan? timeout = null, string expected = "a frame")
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            if (await _frames.Reader.WaitToReadAsync(cts.Token) && _frames.Reader.TryRead(out var frame)) return frame;
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{Name}: no frame within {(timeout ?? DefaultTimeout).TotalSeconds}s (expected {expected})");
        }
        Assert.Fail($"{Name}: the connection closed ({CloseStatus}: {_socket.CloseStatusDescription}) instead of sending {expected}");
        return default;
    }

    /// <summary>The next frame must be the delivery of <paramref name="sequence"/>.</summary>
    public async Task<JsonElement> ReceiveEventAsync(long sequence, TimeSpan? timeout = null)
    {
        var frame = await ReceiveAsync(timeout, $"the delivery of {sequence}");
        Assert.True(frame.TryGetProperty("sequence", out var s), $"expected the delivery of {sequence}, got {frame}");
        Assert.Equal(sequence, s.GetInt64());
        return frame;
    }

    /// <summary>Receives deliveries of <paramref name="sequences"/> in order, acking each.</summary>
    public async Task ReceiveAndAckAsync(params long[] sequences)
    {
        foreach (var sequence in sequences) await AckAsync(await ReceiveEventAsync(sequence));
    }

    /// <summary>No frame may arrive within <paramref name="within"/> (a bounded wait for something that must not happen).</summary>
    public async Task ExpectNoFrameAsync(TimeSpan within)
    {
        using var cts = new CancellationTokenSource(within);
        try
        {
            if (await _frames.Reader.WaitToReadAsync(cts.Token) && _frames.Reader.TryRead(out var frame))
                Assert.Fail($"expected no frame, got {frame}");
        }
        catch (OperationCanceledException)
        {
            // Nothing arrived: as expected.
        }
    }

    /// <summary>The next frame is a protocol error with <paramref name="code"/>, then the server closes with <paramref name="status"/>.</summary>
    public async Task<string> ExpectProtocolErrorAsync(string code, WebSocketCloseStatus status = WebSocketCloseStatus.PolicyViolation)
    {
        var frame = await ReceiveAsync();
        Assert.Equal("protocol_error", frame.GetProperty("type").GetString());
        var error = frame.GetProperty("error").GetString()!;
        Assert.StartsWith(code + ":", error);
        await ExpectClosedAsync(status);
        return error;
    }

    /// <summary>The server closes the connection (after any frames already received) with <paramref name="status"/>.</summary>
    public async Task ExpectClosedAsync(WebSocketCloseStatus status, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            while (await _frames.Reader.WaitToReadAsync(cts.Token))
            {
                if (_frames.Reader.TryRead(out var frame)) Assert.Fail($"expected the connection to close, got {frame}");
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the connection was not closed within {(timeout ?? DefaultTimeout).TotalSeconds}s");
        }
        Assert.Equal(status, CloseStatus);
    }

    /// <summary>Closes the connection from the client side, completing the handshake.</summary>
    public async Task CloseAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var cts = new CancellationTokenSource(DefaultTimeout);
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                _socket.Abort();
            }
        }
        await _receiver.WaitAsync(DefaultTimeout);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CloseAsync();
        }
        finally
        {
            _socket.Dispose();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    // Answer the server's close, completing the handshake.
                    if (_socket.State == WebSocketState.CloseReceived)
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    return;
                }
                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage) continue;
                using var document = JsonDocument.Parse(message.ToArray());
                _frames.Writer.TryWrite(document.RootElement.Clone());
                message.SetLength(0);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The socket was aborted or closed under us: the connection is over.
        }
        finally
        {
            _frames.Writer.TryComplete();
        }
    }
}
