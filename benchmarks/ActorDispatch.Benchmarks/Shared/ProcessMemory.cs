using System.Globalization;

namespace ActorDispatch.Benchmarks.Shared;

/// <summary>
/// Resident set sizes: this process's (the engine in process, so it includes the load generator
/// too) or another's (a server process, or PeerBench's broker, which links this file in).
/// </summary>
internal static class ProcessMemory
{
    /// <summary>VmRSS from <c>/proc/self/status</c> in MiB, or null where there is no procfs.</summary>
    public static double? RssMiB() => RssMiB("self");

    /// <summary>Another process's VmRSS (<c>/proc/&lt;pid&gt;/status</c>) in MiB, or null.</summary>
    public static double? RssMiB(int processId) => RssMiB(processId.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// What another process's resident memory is made of (<c>RssAnon</c>, <c>RssFile</c>,
    /// <c>RssShmem</c> in MiB): anonymous memory holds the GC heap, native heaps and stacks; file
    /// pages are the mapped assemblies and libraries; shared memory is where the .NET runtime maps
    /// executable code twice (W^X). Null where there is no procfs.
    /// </summary>
    public static (double Anon, double File, double Shmem)? ResidentParts(int processId)
    {
        var process = processId.ToString(CultureInfo.InvariantCulture);
        return (Field(process, "RssAnon:"), Field(process, "RssFile:"), Field(process, "RssShmem:")) is ({ } anon, { } file, { } shmem)
            ? (anon, file, shmem)
            : null;
    }

    private static double? RssMiB(string process) => Field(process, "VmRSS:");

    // A field of /proc/<process>/status given in kB, in MiB.
    private static double? Field(string process, string name)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{process}/status"))
            {
                if (line.StartsWith(name, StringComparison.Ordinal))
                    return long.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }
}
