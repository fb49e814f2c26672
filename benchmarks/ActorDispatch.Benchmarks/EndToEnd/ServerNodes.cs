using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using ActorDispatch.Benchmarks.Shared;
using ActorDispatch.Model;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// The real server as separate processes on loopback, <c>dotnet ActorDispatch.Server.dll</c> (the
/// copy the project reference puts beside this runner), on one fresh PostgreSQL database: N nodes
/// of one Akka cluster (the first two are the seeds), or one node without cluster mode, the
/// like-for-like baseline. They last the whole run, so their JIT-compiled code does too; every
/// host started on them takes a namespace of its own (<see cref="NextNamespace"/>). Each node's
/// output goes to a log file; disposing, Ctrl-C or SIGTERM kills the nodes and drops the database.
/// </summary>
internal sealed class ServerNodes : IAsyncDisposable
{
    private static readonly TimeSpan UpTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly Action _drop;
    private readonly PosixSignalRegistration[] _signals;
    private int _namespaces;
    private int _stopped;

    private ServerNodes(IReadOnlyList<ServerNode> nodes, bool cluster, Action drop)
    {
        Nodes = nodes;
        Cluster = cluster;
        _drop = drop;
        // A run stopped by Ctrl-C or SIGTERM leaves no server behind, nor their database.
        _signals = [PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => Stop()), PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => Stop())];
    }

    public IReadOnlyList<ServerNode> Nodes { get; }

    /// <summary>Whether the nodes run in cluster mode (false: one node on its own).</summary>
    public bool Cluster { get; }

    public string Label => Cluster ? $"cluster of {Nodes.Count}" : "single node";

    /// <summary>The running nodes' process ids, for <see cref="CpuMeter"/>.</summary>
    public IReadOnlyList<int> ProcessIds => Nodes.Select(n => n.ProcessId).OfType<int>().ToArray();

    /// <summary>A namespace no host has used yet on these nodes: <c>bench-1</c>, <c>bench-2</c>, ...</summary>
    public string NextNamespace() => $"{IE2eHost.Namespace}-{Interlocked.Increment(ref _namespaces)}";

    public ServerNode this[string name] => Nodes.FirstOrDefault(n => n.Name == name) ?? throw new InvalidOperationException($"no node '{name}'");

    /// <param name="count">Nodes to start; more than one run in cluster mode.</param>
    /// <param name="postgres">The PostgreSQL server, where a fresh database is created for them.</param>
    public static Task<ServerNodes> StartAsync(int count, string postgres, CancellationToken ct) => StartAsync(count, new ServerLaunch(postgres), ct);

    /// <param name="count">Nodes to start; more than one run in cluster mode (which needs PostgreSQL).</param>
    /// <param name="launch">The store (a fresh PostgreSQL database, or a fresh SQLite file) and how the processes start.</param>
    public static async Task<ServerNodes> StartAsync(int count, ServerLaunch launch, CancellationToken ct)
    {
        if (launch.Postgres is null && count > 1) throw new ArgumentException("a cluster needs PostgreSQL");
        var (storage, drop) = launch.Postgres is { } postgres ? Postgres(postgres) : Sqlite();
        var logs = Path.Combine(Path.GetTempPath(), $"actordispatch-bench-nodes-{Guid.NewGuid():N}");
        Directory.CreateDirectory(logs);
        var http2 = launch.Appends == AppendPath.RestHttp2;
        var ports = Enumerable.Range(0, count).Select(_ => (Http: FreePort(), Cluster: FreePort(), Http2: http2 ? FreePort() : 0)).ToArray();
        var seeds = string.Join(',', ports.Take(2).Select(p => $"127.0.0.1:{p.Cluster}"));
        var environment = launch.Variables();
        var nodes = ports.Select((p, i) =>
        {
            var name = $"node{i + 1}";
            // HTTP/2 without TLS needs an endpoint that speaks nothing else (prior knowledge), and /ws
            // an HTTP/1.1 one: two endpoints then.
            string[] endpoints = http2
                ? [$"--Kestrel:Endpoints:Http:Url=http://127.0.0.1:{p.Http}", $"--Kestrel:Endpoints:Rest2:Url=http://127.0.0.1:{p.Http2}",
                    "--Kestrel:Endpoints:Rest2:Protocols=Http2"]
                : ["--urls", $"http://127.0.0.1:{p.Http}"];
            string[] args =
            [
                .. endpoints,
                storage,
                $"--ActorDispatch:NodeName={name}",
                "--Logging:LogLevel:Default=Warning",
                "--ActorDispatch:Egress:Allow=127.0.0.0/8", // the webhook receiver is on loopback
                .. launch.Arguments(),
            ];
            if (count > 1)
                args = [.. args, "--ActorDispatch:Cluster:Enabled=true", "--ActorDispatch:Cluster:Hostname=127.0.0.1",
                    $"--ActorDispatch:Cluster:Port={p.Cluster}", $"--ActorDispatch:Cluster:Seeds={seeds}"];
            var address = new Uri($"http://127.0.0.1:{p.Http}");
            return new ServerNode(name, address, args, Path.Combine(logs, $"{name}.log"), environment,
                http2 ? new Uri($"http://127.0.0.1:{p.Http2}") : null, launch.Appends == AppendPath.Stream);
        }).ToArray();
        var started = new ServerNodes(nodes, count > 1, drop);
        try
        {
            Progress.Log($"starting {started.Label} (ActorDispatch.Server.dll, {(launch.Postgres is null ? "SQLite" : "PostgreSQL")}); logs in {logs}");
            // The first seed forms the cluster alone, then the others join it.
            await nodes[0].StartAsync(ct);
            await Task.WhenAll(nodes.Skip(1).Select(n => n.StartAsync(ct)));
            await started.WaitUntilUpAsync(ct);
            return started;
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
    }

    private static (string Argument, Action Drop) Postgres(string server)
    {
        var (database, drop) = StoreActorSystem.CreateDatabase(server);
        return ($"--ActorDispatch:Storage:Postgres={database}", drop);
    }

    // Deleted once the node is killed (Stop kills before it drops).
    private static (string Argument, Action Drop) Sqlite()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"actordispatch-bench-server-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        return ($"--ActorDispatch:Storage:Sqlite={Path.Combine(directory, "events.db")}", () => Directory.Delete(directory, recursive: true));
    }

    /// <summary>Waits until every running node is ready and, in a cluster, sees all nodes as members that are up.</summary>
    public async Task WaitUntilUpAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(UpTimeout);
        var start = Stopwatch.GetTimestamp();
        foreach (var node in Nodes)
        {
            while (!await node.IsUpAsync(Cluster ? Nodes.Count : 0, timeout.Token)) await Task.Delay(PollInterval, timeout.Token);
        }
        Progress.Log($"{Label}: up after {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s");
    }

    public ValueTask DisposeAsync()
    {
        foreach (var signal in _signals) signal.Dispose();
        Stop();
        foreach (var node in Nodes) node.Dispose();
        return ValueTask.CompletedTask;
    }

    // The database is dropped with them: nothing of the nodes' needs to survive, so they are killed.
    private void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        foreach (var node in Nodes) node.Kill();
        try
        {
            _drop();
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException or IOException)
        {
            Progress.Log($"could not drop the nodes' database: {e.Message}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// One server process, and the REST calls the runner makes on it. Its output is appended to a log
/// file; <see cref="Kill"/> is SIGKILL, and <see cref="StartAsync"/> starts it again with the same
/// ports and settings.
/// </summary>
internal sealed class ServerNode(string name, Uri address, IReadOnlyList<string> args, string log,
    IReadOnlyDictionary<string, string>? environment = null, Uri? http2Address = null, bool appendStream = false) : IDisposable
{
    private const int StartAttempts = 3;

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    // One pool for all nodes, a connection per concurrent request (HTTP/1.1): --pub-window appends
    // are on the server at once, as they are in process. Loopback only: no proxy from the environment.
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

    // HTTP/2 with prior knowledge: Kestrel allows 100 streams per connection, so --pub-window
    // appends take a few connections, each multiplexing its requests.
    private static readonly HttpClient Http2 = new(new SocketsHttpHandler { UseProxy = false, EnableMultipleHttp2Connections = true })
    {
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private readonly Lock _logLock = new();
    // With appendStream: one append stream per namespace, opened by its first append.
    private readonly ConcurrentDictionary<string, Lazy<AppendStreamClient>> _streams = new();
    private readonly StreamWriter _log = new(log, append: true) { AutoFlush = true };
    private Process? _process;

    public string Name => name;

    /// <summary><c>http://127.0.0.1:port/</c>.</summary>
    public Uri Address => address;

    /// <summary>The process id while it runs, else null.</summary>
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>
    /// Starts the process and waits until <c>/readyz</c> answers 200 (the journal answers a read). On
    /// a busy machine the engine's start can time out (an ask of 5 s) and the process exit: it is
    /// started again, up to <see cref="StartAttempts"/> times in all, as is one not ready within
    /// <see cref="ReadyTimeout"/> (killed first).
    /// </summary>
    public async Task StartAsync(CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StartOnceAsync(ct);
                return;
            }
            catch (InvalidOperationException e) when (attempt < StartAttempts && _process is { HasExited: true })
            {
                Progress.Log($"{e.Message}; starting it again");
            }
        }
    }

    private async Task StartOnceAsync(CancellationToken ct)
    {
        var directory = AppContext.BaseDirectory;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        info.ArgumentList.Add(Path.Combine(directory, "ActorDispatch.Server.dll"));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        _process?.Dispose();
        var process = _process = Process.Start(info) ?? throw new InvalidOperationException($"{name} did not start");
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var start = Stopwatch.GetTimestamp();
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"{name} exited with {process.ExitCode} during start; see {log}");
            if (Stopwatch.GetElapsedTime(start) > ReadyTimeout)
            {
                Kill();
                throw new InvalidOperationException($"{name} was not ready within {ReadyTimeout.TotalSeconds:F0} s; see {log}");
            }
            try
            {
                using var response = await Http.GetAsync(new Uri(address, "/readyz"), ct);
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            await Task.Delay(100, ct);
        }
    }

    /// <summary>Ready, and with <paramref name="members"/> > 0 seeing that many members, all up.</summary>
    public async Task<bool> IsUpAsync(int members, CancellationToken ct)
    {
        try
        {
            using (var ready = await Http.GetAsync(new Uri(address, "/readyz"), ct))
                if (ready.StatusCode != HttpStatusCode.OK) return false;
            if (members == 0) return true;
            using var status = JsonDocument.Parse(await Http.GetStringAsync(new Uri(address, "/api/v1/status"), ct));
            var seen = status.RootElement.GetProperty("cluster").GetProperty("members").EnumerateArray().ToArray();
            return seen.Length == members && seen.All(m => m.GetProperty("status").GetString() == "up");
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException
                                      || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            return false;
        }
    }

    /// <summary>The durability the node's engine runs with, as <c>/api/v1/status</c> reports it ("unknown" from a server without it).</summary>
    public async Task<string> DurabilityAsync(CancellationToken ct)
    {
        using var status = JsonDocument.Parse(await Http.GetStringAsync(new Uri(address, "/api/v1/status"), ct));
        return status.RootElement.TryGetProperty("durability", out var durability) ? durability.GetString() ?? "unknown" : "unknown";
    }

    /// <summary>
    /// The memory the node's GC had committed at its last collection, in MiB, from its
    /// <c>/metrics</c> (.NET's <c>dotnet.gc.last_collection.memory.committed_size</c>), or null
    /// when the server exports no metrics.
    /// </summary>
    public async Task<double?> GcCommittedMiBAsync(CancellationToken ct)
    {
        const string name = "dotnet_gc_last_collection_memory_committed_size_bytes";
        using var response = await Http.GetAsync(new Uri(address, "/metrics"), ct);
        if (!response.IsSuccessStatusCode) return null;
        var line = (await response.Content.ReadAsStringAsync(ct)).Split('\n').FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
        return line is null ? null : double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture) / (1024 * 1024);
    }

    /// <summary>SIGKILL: no shutdown hook runs, nothing is flushed.</summary>
    public void Kill()
    {
        if (_process is not { HasExited: false } process) return;
        process.Kill(entireProcessTree: true);
        process.WaitForExit(10_000);
    }

    /// <summary>
    /// <c>POST /api/v1/namespaces/{ns}/events</c> with the events as a JSON array, appended atomically;
    /// with appendStream one message on the namespace's append stream instead.
    /// </summary>
    public async Task AppendAsync(string ns, IReadOnlyList<NewEvent> events, CancellationToken ct)
    {
        if (appendStream)
        {
            await _streams.GetOrAdd(ns, n => new Lazy<AppendStreamClient>(() => AppendStreamClient.Connect(address, n))).Value.AppendAsync(events, ct);
            return;
        }
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(events, ActorDispatchJson.Options));
        content.Headers.ContentType = JsonType;
        using var response = http2Address is { } rest
            ? await Http2.PostAsync(new Uri(rest, $"/api/v1/namespaces/{ns}/events"), content, ct)
            : await Http.PostAsync(new Uri(address, $"/api/v1/namespaces/{ns}/events"), content, ct);
        await EnsureSuccessAsync(response, "append", ct);
    }

    /// <summary><c>POST /api/v1/namespaces/{ns}/subscriptions</c>.</summary>
    public async Task CreateSubscriptionAsync(string ns, string subscription, string transport, SubscriptionOptions options, CancellationToken ct)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new { name = subscription, transport, options }, ActorDispatchJson.Options);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = JsonType;
        using var response = await Http.PostAsync(new Uri(address, $"/api/v1/namespaces/{ns}/subscriptions"), content, ct);
        await EnsureSuccessAsync(response, $"creating subscription {subscription}", ct);
    }

    /// <summary>The subscription's status (<c>?fetchstatus=true</c>): its connection and, in a cluster, the node dispatching it.</summary>
    public async Task<SubscriptionStatus> GetStatusAsync(string ns, string subscription, CancellationToken ct)
    {
        using var response = await Http.GetAsync(new Uri(address, $"/api/v1/namespaces/{ns}/subscriptions/{Uri.EscapeDataString(subscription)}?fetchstatus=true"), ct);
        await EnsureSuccessAsync(response, $"status of subscription {subscription}", ct);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(ct));
        return json.RootElement.GetProperty("status").Deserialize<SubscriptionStatus>(ActorDispatchJson.Options)!;
    }

    /// <summary><c>DELETE</c> the subscription: its dispatcher stops, so idle subscriptions do not add up over a run.</summary>
    public async Task DeleteSubscriptionAsync(string ns, string subscription, CancellationToken ct)
    {
        using var response = await Http.DeleteAsync(new Uri(address, $"/api/v1/namespaces/{ns}/subscriptions/{Uri.EscapeDataString(subscription)}"), ct);
        await EnsureSuccessAsync(response, $"deleting subscription {subscription}", ct);
    }

    /// <summary>The WebSocket URL of <c>/ws</c> that auto-starts the subscription.</summary>
    public Uri WebSocketUri(string ns, string subscription) =>
        new UriBuilder(address) { Scheme = "ws", Path = "/ws", Query = $"namespace={ns}&name={Uri.EscapeDataString(subscription)}" }.Uri;

    /// <summary>Closes the namespace's append stream, if one was opened.</summary>
    public async Task CloseAppendStreamAsync(string ns)
    {
        if (_streams.TryRemove(ns, out var stream) && stream.IsValueCreated) await stream.Value.DisposeAsync();
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        lock (_logLock) _log.Dispose();
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        throw new InvalidOperationException($"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
    }

    // Both streams' handlers run on pool threads; a line after Dispose is dropped.
    private void Write(string? line)
    {
        if (line is null) return;
        lock (_logLock)
        {
            try
            {
                _log.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
