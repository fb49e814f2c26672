using Microsoft.Extensions.Logging;

namespace ActorDispatch.TestSupport;

/// <summary>
/// Writes the transport's log to the test's output, so a failing test shows what the transport did;
/// each line is labelled with <paramref name="label"/> (the transport's name) and the level.
/// </summary>
public sealed class TestOutputLoggerFactory(ITestOutputHelper output, string label) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new Logger(output, label);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(ITestOutputHelper output, string label) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} [{label} {logLevel}] {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
            }
            catch (InvalidOperationException)
            {
                // The test has finished: its output is closed.
            }
        }
    }
}
