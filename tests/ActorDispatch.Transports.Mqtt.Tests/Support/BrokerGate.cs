using System.Net;
using System.Net.Sockets;

namespace ActorDispatch.Transports.Mqtt.Tests.Support;

/// <summary>
/// A loopback TCP relay between the transport and the real broker, which the test can shut: shut, it
/// refuses new connections (accepts and drops them), so that the test decides when the transport may
/// reach a restarted broker: only after the test's own subscriber is subscribed again, so that no
/// publish lands on a broker with nobody listening. Cutting a connection either side cuts the other.
/// <see cref="Freeze"/> holds every byte of the relayed connections, so that what the broker has
/// acknowledged can reach the test's subscriber before the broker is killed (Mosquitto keeps
/// messages in memory: a SIGKILL loses what it had acknowledged and not yet forwarded, whatever the
/// transport does); <see cref="CutAll"/> then drops them, as the kill would.
/// </summary>
public sealed class BrokerGate : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _broker;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private volatile bool _open = true;
    private volatile bool _frozen;
    private CancellationTokenSource _connections = new();

    private BrokerGate(IPEndPoint broker)
    {
        _broker = broker;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public static BrokerGate Start(string broker)
    {
        var (host, port) = MqttSettings.ParseServer(broker, MqttSettings.DefaultPort) ?? throw new ArgumentException(broker);
        return new BrokerGate(new IPEndPoint(IPAddress.Parse(host), port));
    }

    /// <summary>The relay's address, as the transport's <c>server</c>.</summary>
    public string Server => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public void Shut() => _open = false;

    public void Open() => _open = true;

    /// <summary>Holds the bytes of every relayed connection until <see cref="CutAll"/>.</summary>
    public void Freeze() => _frozen = true;

    /// <summary>Ends every relayed connection, dropping what <see cref="Freeze"/> held.</summary>
    public void CutAll()
    {
        var connections = Interlocked.Exchange(ref _connections, new CancellationTokenSource());
        _frozen = false;
        connections.Cancel();
        connections.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            if (!_open)
            {
                client.Dispose();
                continue;
            }
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var downstream = client;
        using var upstream = new TcpClient { NoDelay = true };
        client.NoDelay = true;
        try
        {
            await upstream.ConnectAsync(_broker, _stop.Token);
            using var cut = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, _connections.Token);
            var a = Pump(downstream.GetStream(), upstream.GetStream(), cut.Token);
            var b = Pump(upstream.GetStream(), downstream.GetStream(), cut.Token);
            await Task.WhenAny(a, b);
            await cut.CancelAsync();
        }
        catch (Exception)
        {
            // The broker is down or the test is over: the relayed connection ends.
        }
    }

    private async Task Pump(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
            {
                while (_frozen) await Task.Delay(5, cancellationToken);
                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        catch (Exception)
        {
            // Either side went away.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
    }
}
