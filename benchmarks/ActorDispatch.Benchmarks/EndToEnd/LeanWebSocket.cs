using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// The client end of one WebSocket (RFC 6455) for the load runner, kept as cheap as the protocol
/// allows so that the measured process spends its two cores on the server. <see cref="System.Net.WebSockets.ClientWebSocket"/>
/// draws each frame's masking key from <see cref="RandomNumberGenerator"/> — one OpenSSL call,
/// about 1.2 µs here and a tenth of a WebSocket fan-out's CPU. This client draws the keys from the
/// same generator 1,024 at a time, reads frames from one receive buffer and writes the frames it
/// queued in one send. Text frames, ping (answered) and close only: the server sends each message
/// in one frame and asks for no extension.
/// </summary>
internal sealed class LeanWebSocket : IDisposable
{
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private const byte Fin = 0x80, Text = 0x1, Close = 0x8, Ping = 0x9, Pong = 0xA;

    private readonly Socket _socket;
    private byte[] _in = new byte[64 * 1024];
    private int _start, _end;
    // Frames are queued under the lock, so that a reader answering a ping and a writer may share
    // the socket; FlushAsync swaps the buffers and sends outside it (one flush at a time).
    private readonly Lock _queue = new();
    private byte[] _out = new byte[16 * 1024];
    private byte[] _sending = new byte[16 * 1024];
    private int _written;
    private readonly byte[] _masks = new byte[4096];
    private int _mask = 4096;

    private LeanWebSocket(Socket socket) => _socket = socket;

    /// <summary>Connects and completes the opening handshake; frames the server sent right after it stay buffered.</summary>
    public static async Task<LeanWebSocket> ConnectAsync(Uri uri, CancellationToken ct)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var ws = new LeanWebSocket(socket);
        try
        {
            await socket.ConnectAsync(uri.Host, uri.Port, ct);
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            var request = $"GET {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                          $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
            await SendAllAsync(socket, Encoding.ASCII.GetBytes(request), ct);
            await ws.ReadHandshakeAsync(key, ct);
            return ws;
        }
        catch
        {
            ws.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The next complete frame already received, without waiting: a text frame's payload (valid until
    /// the next <see cref="ReceiveAsync"/>) and true; pings are answered on the way. False when no
    /// whole frame is buffered. A close frame or anything else unexpected throws, naming it.
    /// </summary>
    public bool TryRead(out ReadOnlyMemory<byte> text)
    {
        while (TryFrame(out var opcode, out var payload))
        {
            switch (opcode)
            {
                case Text:
                    text = payload;
                    return true;
                case Ping:
                    Queue(Pong, payload.Span);
                    break;
                case Pong:
                    break;
                case Close:
                    var span = payload.Span;
                    var status = span.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(span) : 1005;
                    var reason = span.Length > 2 ? Encoding.UTF8.GetString(span[2..]) : "";
                    throw new InvalidOperationException($"the server closed the connection: {status} {reason}");
                default:
                    throw new InvalidOperationException($"unexpected WebSocket frame: opcode {opcode}");
            }
        }
        text = default;
        return false;
    }

    /// <summary>Waits for more bytes from the server; frames read by <see cref="TryRead"/> are released.</summary>
    public async ValueTask ReceiveAsync()
    {
        if (_start > 0)
        {
            _in.AsSpan(_start, _end - _start).CopyTo(_in);
            _end -= _start;
            _start = 0;
        }
        if (_end == _in.Length) Array.Resize(ref _in, _in.Length * 2);
        var read = await _socket.ReceiveAsync(_in.AsMemory(_end), SocketFlags.None);
        if (read == 0) throw new IOException("the server closed the TCP connection without a close frame");
        _end += read;
    }

    /// <summary>Queues a masked text frame; it leaves with the next <see cref="FlushAsync"/>.</summary>
    public void QueueText(ReadOnlySpan<byte> payload) => Queue(Text, payload);

    /// <summary>Sends the frames queued since the last flush, in one send; one flush at a time.</summary>
    public async ValueTask FlushAsync()
    {
        byte[] frames;
        int length;
        lock (_queue)
        {
            if (_written == 0) return;
            (frames, length) = (_out, _written);
            (_out, _sending, _written) = (_sending, frames, 0);
        }
        await SendAllAsync(_socket, frames.AsMemory(0, length), CancellationToken.None);
    }

    /// <summary>Sends a close frame (1000) after whatever is queued; the server's answer is not awaited.</summary>
    public async ValueTask CloseOutputAsync(string reason)
    {
        var payload = new byte[2 + Encoding.UTF8.GetByteCount(reason)];
        BinaryPrimitives.WriteUInt16BigEndian(payload, 1000);
        Encoding.UTF8.GetBytes(reason, payload.AsSpan(2));
        Queue(Close, payload);
        await FlushAsync();
        _socket.Shutdown(SocketShutdown.Send);
    }

    /// <summary>Ends the connection at once; a pending receive or send fails.</summary>
    public void Dispose() => _socket.Dispose();

    private bool TryFrame(out byte opcode, out ReadOnlyMemory<byte> payload)
    {
        opcode = 0;
        payload = default;
        var available = _in.AsSpan(_start, _end - _start);
        if (available.Length < 2) return false;
        if ((available[0] & Fin) == 0 || (available[0] & 0x70) != 0)
            throw new InvalidOperationException($"unexpected WebSocket frame header 0x{available[0]:X2}: a fragment or an extension");
        if ((available[1] & 0x80) != 0) throw new InvalidOperationException("the server masked a frame");
        long length = available[1] & 0x7F;
        var header = 2;
        if (length == 126)
        {
            if (available.Length < 4) return false;
            length = BinaryPrimitives.ReadUInt16BigEndian(available[2..]);
            header = 4;
        }
        else if (length == 127)
        {
            if (available.Length < 10) return false;
            length = (long)BinaryPrimitives.ReadUInt64BigEndian(available[2..]);
            header = 10;
            if (length > int.MaxValue / 2) throw new InvalidOperationException($"a WebSocket frame of {length} bytes");
        }
        if (available.Length < header + length) return false;
        opcode = (byte)(available[0] & 0x0F);
        payload = _in.AsMemory(_start + header, (int)length);
        _start += header + (int)length;
        return true;
    }

    // A client frame: FIN, the opcode, the length with the mask bit, a fresh masking key, the masked payload.
    private void Queue(byte opcode, ReadOnlySpan<byte> payload)
    {
        lock (_queue) QueueLocked(opcode, payload);
    }

    private void QueueLocked(byte opcode, ReadOnlySpan<byte> payload)
    {
        var needed = 8 + payload.Length;
        if (_written + needed > _out.Length) Array.Resize(ref _out, Math.Max(_out.Length * 2, _written + needed));
        var frame = _out.AsSpan(_written);
        frame[0] = (byte)(Fin | opcode);
        int header;
        if (payload.Length < 126)
        {
            frame[1] = (byte)(0x80 | payload.Length);
            header = 2;
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            frame[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame[2..], (ushort)payload.Length);
            header = 4;
        }
        else throw new ArgumentException("a client frame over 64 KiB", nameof(payload));

        if (_mask == _masks.Length)
        {
            RandomNumberGenerator.Fill(_masks);
            _mask = 0;
        }
        var key = _masks.AsSpan(_mask, 4);
        _mask += 4;
        key.CopyTo(frame[header..]);
        var body = frame.Slice(header + 4, payload.Length);
        for (var i = 0; i < payload.Length; i++) body[i] = (byte)(payload[i] ^ key[i & 3]);
        _written += header + 4 + payload.Length;
    }

    // The server's 101 answer: status, Upgrade and the accept key; what follows its blank line is already frames.
    private async Task ReadHandshakeAsync(string key, CancellationToken ct)
    {
        int headerEnd;
        while ((headerEnd = _in.AsSpan(0, _end).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (_end == _in.Length) throw new InvalidOperationException("the server's handshake answer is over 64 KiB");
            var read = await _socket.ReceiveAsync(_in.AsMemory(_end), SocketFlags.None, ct);
            if (read == 0) throw new IOException("the server closed the connection during the handshake");
            _end += read;
        }
        var lines = Encoding.ASCII.GetString(_in, 0, headerEnd).Split("\r\n");
        if (!lines[0].StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
            throw new InvalidOperationException($"the server refused the WebSocket upgrade: {lines[0]}");
        var expected = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));
        var accept = lines.Skip(1).Select(l => l.Split(':', 2)).FirstOrDefault(p => p.Length == 2 && p[0].Trim().Equals("Sec-WebSocket-Accept", StringComparison.OrdinalIgnoreCase));
        if (accept?[1].Trim() != expected) throw new InvalidOperationException($"the server's Sec-WebSocket-Accept is '{accept?[1].Trim()}', not '{expected}'");
        _start = headerEnd + 4;
    }

    private static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        while (bytes.Length > 0)
        {
            var sent = await socket.SendAsync(bytes, SocketFlags.None, ct);
            bytes = bytes[sent..];
        }
    }
}
