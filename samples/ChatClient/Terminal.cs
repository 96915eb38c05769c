using System.Text;

namespace ChatClient;

/// <summary>
/// The console: a prompt line the user edits, and notices printed above it without mangling what the user is
/// typing. Reads key by key on a terminal (so typing can be reported) and line by line when input is redirected.
/// </summary>
internal sealed class Terminal
{
    private readonly object _gate = new();
    private readonly StringBuilder _line = new();
    private string _prompt = "> ";

    /// <summary>Sets the prompt (the open chat's name).</summary>
    public void SetPrompt(string prompt)
    {
        lock (_gate)
        {
            _prompt = prompt;
            Redraw();
        }
    }

    /// <summary>Prints a line above the prompt. Thread-safe.</summary>
    public void Print(string text)
    {
        lock (_gate)
        {
            if (Console.IsOutputRedirected)
            {
                Console.WriteLine(text);
                return;
            }

            Console.Write("\r" + new string(' ', Math.Min(Console.BufferWidth - 1, _prompt.Length + _line.Length)) + "\r");
            Console.WriteLine(text);
            Redraw();
        }
    }

    /// <summary>Reads a line; calls <paramref name="onKey"/> after each printable key (for typing notifications).</summary>
    /// <returns>The line, or <see langword="null"/> at the end of input.</returns>
    public async Task<string?> ReadLineAsync(Func<Task> onKey, CancellationToken cancellationToken)
    {
        if (Console.IsInputRedirected)
        {
            return await Console.In.ReadLineAsync(cancellationToken);
        }

        lock (_gate)
        {
            _line.Clear();
            Redraw();
        }

        while (true)
        {
            // ReadKey cannot be cancelled; waiting on it from a task lets Ctrl+C end the program at once.
            var key = await Task.Run(() => Console.ReadKey(intercept: true), CancellationToken.None).WaitAsync(cancellationToken);
            lock (_gate)
            {
                switch (key.Key)
                {
                    case ConsoleKey.Enter:
                        var line = _line.ToString();
                        _line.Clear();
                        Console.WriteLine();
                        return line;
                    case ConsoleKey.Backspace when _line.Length > 0:
                        _line.Length--;
                        Console.Write("\b \b");
                        continue;
                    default:
                        if (char.IsControl(key.KeyChar))
                        {
                            continue;
                        }

                        _line.Append(key.KeyChar);
                        Console.Write(key.KeyChar);
                        break;
                }
            }

            await onKey();
        }
    }

    private void Redraw()
    {
        if (!Console.IsOutputRedirected)
        {
            Console.Write(_prompt + _line);
        }
    }
}
