@echo off
rem The seed's entry point, kept as a thin wrapper: npm run prod:stop stops what prod:start started.
call npm run prod:stop
