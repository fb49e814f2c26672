using System.Text.Json.Nodes;
using ActorDispatch.TestSupport;
using static ActorDispatch.Server.Tests.ServerFixture;

namespace ActorDispatch.Server.Tests.Crash;

/// <summary>
/// Real server processes in cluster mode on loopback, sharing one PostgreSQL database: node1 and
/// node2 are the seeds (node1 may start the cluster alone). Each node's output goes to a file in
/// <see cref="LogDirectory"/>, since a failover that goes wrong is only explained by what the
/// nodes logged.
/// </summary>
public sealed class ClusterProcesses : IDisposable
{
    public sealed record Node(string Name, ServerProcess Process, HttpClient Http)
    {
        public override string ToString() => Name;
    }

    public ClusterProcesses(int count, string postgres, string logDirectory)
    {
        LogDirectory = logDirectory;
        var ports = LoopbackPorts.Free(count);
        var seeds = string.Join(",", ports.Take(2).Select(p => $"127.0.0.1:{p}"));
        Nodes = ports.Select((port, i) =>
        {
            var name = $"node{i + 1}";
            var process = new ServerProcess(
                $"--ActorDispatch:Storage:Postgres={postgres}",
                $"--ActorDispatch:NodeName={name}",
                "--ActorDispatch:Cluster:Enabled=true",
                "--ActorDispatch:Cluster:Hostname=127.0.0.1",
                $"--ActorDispatch:Cluster:Port={port}",
                $"--ActorDispatch:Cluster:Seeds={seeds}").CaptureOutputTo(Path.Combine(logDirectory, $"{name}.log"));
            return new Node(name, process, new HttpClient { BaseAddress = process.BaseAddress, Timeout = TimeSpan.FromSeconds(10) });
        }).ToList();
    }

    public IReadOnlyList<Node> Nodes { get; }

    public string LogDirectory { get; }

    public Node this[string name] => Nodes.Single(n => n.Name == name);

    /// <summary>
    /// Starts node1, which forms the cluster and creates the store's tables, then the others
    /// together, and waits until each node sees all of them up.
    /// </summary>
    /// <remarks>
    /// A node whose journal takes over 5 s to initialize exits (Akka.Persistence.Sql's read journal
    /// waits that long for it, then fails the start): seen on an overloaded 2-core machine, with
    /// three nodes starting at once and also after node1 was up. Starting node1 first spreads the
    /// work; a node that exits during its start anyway is started once more, as a supervisor would,
    /// and <paramref name="log"/> says so.
    /// </remarks>
    public async Task StartAsync(TimeSpan timeout, Action<string> log, CancellationToken ct)
    {
        await StartAsync(Nodes[0], log, ct);
        await Task.WhenAll(Nodes.Skip(1).Select(n => StartAsync(n, log, ct)));
        var deadline = DateTime.UtcNow + timeout;
        var views = new string[Nodes.Count];
        while (true)
        {
            for (var i = 0; i < Nodes.Count; i++) views[i] = await MembersAsync(Nodes[i], ct);
            if (views.All(v => v == Expected())) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the cluster did not form within {timeout}: {string.Join("; ", Nodes.Zip(views, (n, v) => $"{n} sees [{v}]"))}");
            await Task.Delay(200, ct);
        }

        string Expected() => string.Join(",", Nodes.Select(n => $"{n.Name}=up"));
    }

    private async Task StartAsync(Node node, Action<string> log, CancellationToken ct)
    {
        try
        {
            await node.Process.StartAsync(ct);
        }
        catch (InvalidOperationException ex)
        {
            log($"{node} failed to start ({ex.Message}; see {Path.Combine(LogDirectory, node.Name + ".log")}); starting it again");
            await node.Process.StartAsync(ct);
        }
    }

    /// <summary>The members <paramref name="node"/>'s status lists, as <c>name=status</c> sorted by name; what went wrong if it could not answer.</summary>
    public static async Task<string> MembersAsync(Node node, CancellationToken ct)
    {
        try
        {
            var status = await ReadJson(await node.Http.GetAsync("/api/v1/status", ct));
            var members = status["cluster"]?["members"]?.AsArray() ?? [];
            return string.Join(",", members.Select(m => $"{m!["node"]}={m["status"]}").Order(StringComparer.Ordinal));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException && !ct.IsCancellationRequested)
        {
            return ex.GetType().Name;
        }
    }

    public void Dispose()
    {
        foreach (var node in Nodes)
        {
            node.Http.Dispose();
            node.Process.Dispose();
        }
    }
}

/// <summary>The JSON of one subscription's status, read through any node.</summary>
internal static class ClusterStatus
{
    /// <summary>The node that dispatches the subscription, once it runs somewhere.</summary>
    public static async Task<string> DispatchingNodeAsync(HttpClient http, string ns, string name, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "";
        while (true)
        {
            try
            {
                var response = await http.GetAsync($"/api/v1/namespaces/{ns}/subscriptions/{name}?fetchstatus=true", ct);
                last = await response.Content.ReadAsStringAsync(ct);
                if (response.IsSuccessStatusCode && JsonNode.Parse(last)?["status"]?["node"]?.GetValue<string>() is { Length: > 0 } node) return node;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                last = ex.Message;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"subscription {ns}/{name} reported no dispatching node within {timeout}: {last}");
            await Task.Delay(100, ct);
        }
    }
}
