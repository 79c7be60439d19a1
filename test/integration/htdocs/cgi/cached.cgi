#!/bin/sh
# An application that chooses its own cache policy.
printf 'Content-Type: text/plain\r\nCache-Control: max-age=600\r\n\r\n'
printf 'PROTECTED-CONTENT cached\n'
