using System.Diagnostics;
using System.Net;
using ActorDispatch.TestSupport;

namespace ActorDispatch.Server.Tests.Crash;

/// <summary>
/// The real server as a child process (<c>dotnet ActorDispatch.Server.dll</c> from the test's output
/// folder), so that a test can kill it with SIGKILL and start it again on the same store.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    private readonly string[] _storeArgs;
    private Process? _process;
    private readonly Lock _logLock = new();
    private StreamWriter? _log;

    public ServerProcess(params string[] storeArgs)
    {
        _storeArgs = storeArgs;
        Port = LoopbackPorts.Free();
        BaseAddress = new Uri($"http://127.0.0.1:{Port}");
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    public int Starts { get; private set; }

    /// <summary>
    /// Appends the server's stdout and stderr to <paramref name="path"/> from the next start on,
    /// instead of discarding them, each line stamped with the UTC time it was read: a failing spec
    /// can then say what the engine logged, and when.
    /// </summary>
    public ServerProcess CaptureOutputTo(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        lock (_logLock)
        {
            _log?.Dispose();
            _log = new StreamWriter(path, append: true) { AutoFlush = true };
        }
        return this;
    }

    public async Task StartAsync(CancellationToken ct)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "ActorDispatch.Server.dll");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in new[] { dll, "--urls", BaseAddress.ToString().TrimEnd('/'), "--Logging:LogLevel:Default=Warning", "--ActorDispatch:Egress:Allow=127.0.0.0/8" }.Concat(_storeArgs))
            info.ArgumentList.Add(arg);
        _process = Process.Start(info) ?? throw new InvalidOperationException("the server did not start");
        _process.OutputDataReceived += (_, e) => Write(e.Data);
        _process.ErrorDataReceived += (_, e) => Write(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Starts++;

        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (_process.HasExited) throw new InvalidOperationException($"the server exited with {_process.ExitCode} during start");
            try
            {
                if ((await http.GetAsync("/readyz", ct)).StatusCode == HttpStatusCode.OK) return;
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

    /// <summary>SIGKILL: no shutdown hook runs, nothing is flushed.</summary>
    public void Kill()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        lock (_logLock)
        {
            _log?.Dispose();
            _log = null;
        }
    }

    // Both streams' handlers run on pool threads; a line after Dispose is dropped.
    private void Write(string? line)
    {
        if (line is null) return;
        lock (_logLock) _log?.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
    }
}
