#include "engine/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace pos {
namespace {

std::vector<char*> Argv(const std::string& binary, const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  return argv;
}

// In the child between fork and exec: no signal blocked.
void ClearSignalMask() {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

}  // namespace

std::string SelfPath() {
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return "";
  return std::string(path, static_cast<size_t>(n));
}

Result<ChildResult> RunChild(const std::string& binary, const std::vector<std::string>& args,
                             const RunChildOptions& options) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Status::Internal(std::string("pipe: ") + std::strerror(errno));
  int secret_fds[2] = {-1, -1};
  if (options.secret_on_fd3) {
    if (pipe2(secret_fds, O_CLOEXEC) != 0) {
      close(pipe_fds[0]);
      close(pipe_fds[1]);
      return Status::Internal(std::string("pipe: ") + std::strerror(errno));
    }
    // A password fits the pipe's buffer, so this never blocks.
    const std::string line = options.secret + "\n";
    const bool written = write(secret_fds[1], line.data(), line.size()) == static_cast<ssize_t>(line.size());
    close(secret_fds[1]);
    if (!written) {
      close(secret_fds[0]);
      close(pipe_fds[0]);
      close(pipe_fds[1]);
      return Status::Internal("could not hand the secret to the child");
    }
  }
  std::vector<char*> argv = Argv(binary, args);
  const auto started = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) return Status::Internal(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ClearSignalMask();
    dup2(pipe_fds[1], STDOUT_FILENO);
    if (options.capture_stderr) dup2(pipe_fds[1], STDERR_FILENO);
    if (secret_fds[0] >= 0) dup2(secret_fds[0], 3);  // dup2 clears close-on-exec
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  if (secret_fds[0] >= 0) close(secret_fds[0]);
  ChildResult result;
  char buffer[65536];
  for (;;) {
    const ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
    if (n > 0) {
      result.out.append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (result.exit_code == 127) return Status::NotFound("could not run " + binary);
  return result;
}

Result<RunningChild> RunningChild::Start(const std::string& binary, const std::vector<std::string>& args,
                                         const std::string& log_path) {
  std::vector<char*> argv = Argv(binary, args);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return Status::Internal(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);  // the parent died before prctl took effect
    ClearSignalMask();
    const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  return RunningChild(pid);
}

RunningChild& RunningChild::operator=(RunningChild&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    pid_ = other.pid_;
    other.pid_ = -1;
  }
  return *this;
}

RunningChild::~RunningChild() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

bool RunningChild::Exited() {
  if (pid_ <= 0) return true;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return true;
  }
  return false;
}

void RunningChild::Signal(int signal) const {
  if (pid_ > 0) kill(pid_, signal);
}

Status RunningChild::Stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return Status::FailedPrecondition("the child has already exited");
  kill(pid_, SIGTERM);
  return WaitForExit(grace);
}

Status RunningChild::WaitForExit(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return Status::FailedPrecondition("the child has already exited");
  const auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
      if (WIFSIGNALED(status)) return Status::Internal("the child was ended by signal " + std::to_string(WTERMSIG(status)));
      return Status::Internal("the child exited with code " + std::to_string(WEXITSTATUS(status)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  return Status::Unavailable("the child did not stop within " + std::to_string(grace.count()) +
                             " ms of SIGTERM and was killed");
}

}  // namespace pos
