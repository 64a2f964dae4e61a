/* nats_loopback.c - see nats_loopback.h. */
#include "nats_loopback.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static bool accepting(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

pid_t nats_loopback_spawn(char *const argv[], const char *log) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    int fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    setpgid(0, 0); /* a ^C to the test does not reach it before the test can stop it */
    execvp(argv[0], argv);
    _exit(127);
}

int nats_loopback_reap(pid_t pid, int wait_ms) {
    if (pid <= 0) return -1;
    kill(pid, SIGCONT); /* a stopped process must run to exit */
    kill(pid, SIGTERM);
    int status;
    for (int i = 0; i <= wait_ms; i += 5) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (r < 0) return -1;
        sleep_ms(5);
    }
    kill(pid, SIGKILL);
    if (waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int launch(struct nats_loopback *s) {
    char conf[300], log[300];
    snprintf(conf, sizeof(conf), "%s/nats.conf", s->dir);
    snprintf(log, sizeof(log), "%s/nats.log", s->dir);
    char *argv[] = {"nats-server", "-c", conf, NULL};
    s->pid = nats_loopback_spawn(argv, log);
    if (s->pid < 0) {
        s->pid = 0;
        return -1;
    }
    for (int i = 0; i < 1000; i++) { /* 10 s */
        if (accepting(s->port)) return 0;
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid) break; /* it exited */
        sleep_ms(10);
    }
    nats_loopback_stop(s);
    return -1;
}

int nats_loopback_start(struct nats_loopback *s) { return nats_loopback_start_conf(s, NULL); }

int nats_loopback_start_conf(struct nats_loopback *s, const char *extra) {
    memset(s, 0, sizeof(*s));
    snprintf(s->dir, sizeof(s->dir), "%s/wasp-nats-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(s->dir)) return -1;
    if ((s->port = free_port()) < 0) return -1;
    snprintf(s->url, sizeof(s->url), "nats://127.0.0.1:%d", s->port);
    char conf[300];
    snprintf(conf, sizeof(conf), "%s/nats.conf", s->dir);
    FILE *f = fopen(conf, "w");
    if (!f) return -1;
    fprintf(f,
            "listen: 127.0.0.1:%d\n"
            "ping_interval: \"1s\"\n"
            "ping_max: 2\n"
            "jetstream: {store_dir: \"%s/js\"}\n"
            "%s",
            s->port, s->dir, extra ? extra : "");
    fclose(f);
    return launch(s);
}

int nats_loopback_restart(struct nats_loopback *s) {
    nats_loopback_stop(s);
    return launch(s);
}

void nats_loopback_stop(struct nats_loopback *s) {
    if (s->pid > 0) nats_loopback_reap(s->pid, 5000);
    s->pid = 0;
}

void nats_loopback_destroy(struct nats_loopback *s) {
    nats_loopback_stop(s);
    if (s->dir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
        if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", s->dir);
        s->dir[0] = 0;
    }
}
